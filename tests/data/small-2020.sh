# A small known log for the 2020Q3 report, with its boundaries: a leap day, events on the
# last day of a quarter and the first day of the next, tiers at exactly 1亿 and 10亿 and just
# under, a shared visit, a dropped project, a relocation, and a year-earlier span.
crm contact A光伏 --investor 甲能源 --sector 新能源 --planned 5000万 --date 2019-02-28
crm visit A光伏 --kind outbound --date 2019-03-10
crm sign A光伏 --amount 9999万 --date 2019-09-30
crm contact B医疗 --investor 乙医疗 --sector 大健康 --planned 2亿 --date 2019-10-01
crm contact C新材 --investor 丙集团 --sector 新材料 --planned 12亿 --relocation --date 2020-02-29
crm visit C新材 B医疗 --kind pairing --date 2020-02-29
crm agree C新材 --amount 10亿 --date 2020-03-15
crm sign C新材 --amount 10亿 --date 2020-06-30
crm sign B医疗 --amount 1亿 --date 2020-07-01
crm land C新材 --mu 100.5 --date 2020-07-15
crm capital C新材 --amount 2亿 --date 2020-08-01
crm capital B医疗 --amount 5000万 --date 2020-09-30
crm capital C新材 --amount 1亿 --date 2020-10-01
crm contact D数据 --investor 丁科技 --sector 数字经济 --planned 3亿 --date 2020-05-01
crm visit D数据 --kind reception --date 2020-05-02
crm drop D数据 --reason 投资方战略调整 --date 2020-08-10
crm contact E文旅 --investor 戊旅游 --sector 其他 --planned 8000万 --date 2020-09-01
crm visit E文旅 --kind online --date 2020-09-30
crm visit E文旅 --kind outbound --date 2020-10-01
