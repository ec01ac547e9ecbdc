"""The command line's input, validated per command: pydantic models built from the parsers
of `crm.text.parsing`, so the CLI hands the application only clean domain values."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError, ValidationInfo

from crm.text.errors import InvalidValue
from crm.text.messages import option_of as option_name
from crm.text.parsing import (
    parse_amount,
    parse_area,
    parse_date,
    parse_name,
    parse_sector,
    parse_text,
    parse_visit_kind,
)


def _field(parser: Any) -> Any:
    def validate(value: Any, info: ValidationInfo) -> Any:
        if value is None:
            return None
        return parser(value, option_name(info.field_name))
    return BeforeValidator(validate)


def _required_text(value: Any, info: ValidationInfo) -> str:
    option = option_name(info.field_name)
    text = parse_text(value, option)
    if text is None:
        raise InvalidValue(option=option, value="", expected="some text")
    return text


Amount = Annotated[Decimal, _field(parse_amount)]
Area = Annotated[Decimal, _field(parse_area)]
BusinessDate = Annotated[date, _field(parse_date)]
VisitKind = Annotated[str, _field(parse_visit_kind)]
Sector = Annotated[str, _field(parse_sector)]
Name = Annotated[str, BeforeValidator(lambda v: parse_name(v))]
Text = Annotated[str | None, BeforeValidator(lambda v, info: parse_text(v, option_name(info.field_name)))]
RequiredText = Annotated[str, BeforeValidator(_required_text)]


class Input(BaseModel):
    # Each command validates with one model: build its schema on first use, not at import.
    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True,
                              defer_build=True)

    occurred_on: BusinessDate | None = None
    note: Text = None

    @classmethod
    def parse(cls, **values: Any) -> Any:
        """Validate, turning pydantic's own complaints into one `InvalidValue`."""
        try:
            return cls.model_validate(values)
        except ValidationError as e:
            first = e.errors()[0]
            option = option_name(str(first["loc"][0])) if first["loc"] else "input"
            raise InvalidValue(option=option, value=str(first.get("input")),
                               expected=first["msg"]) from None


#: Each command's model, made when the command first asks for it (a command line starts
#: faster with one pydantic model than with all of them): `from crm.text.inputs import
#: VisitInput` works as for a module attribute.
_MODELS: dict[str, Any] = {}


def __getattr__(name: str) -> Any:
    maker = globals().get(f"_{name}")
    if maker is None or not name.endswith("Input"):
        raise AttributeError(name)
    if name not in _MODELS:
        _MODELS[name] = maker()
    return _MODELS[name]


def _ContactInput() -> type[Input]:
    class ContactInput(Input):
        name: Name
        investor: RequiredText
        sector: Sector
        planned: Amount
        channel: Text = None
        region: Text = None
        owner: Text = None
        relocation: bool = False
        short: Text = None

    return ContactInput


def _VisitInput() -> type[Input]:
    class VisitInput(Input):
        names: tuple[Name, ...]
        kind: VisitKind
        participants: Text = None

    return VisitInput


def _AmountInput() -> type[Input]:
    class AmountInput(Input):
        name: Name
        amount: Amount

    return AmountInput


def _LandInput() -> type[Input]:
    class LandInput(Input):
        name: Name
        mu: Area
        parcel: Text = None
        price: Amount | None = None

    return LandInput


def _DropInput() -> type[Input]:
    class DropInput(Input):
        name: Name
        reason: RequiredText

    return DropInput


def _ReopenInput() -> type[Input]:
    class ReopenInput(Input):
        name: Name

    return ReopenInput


def _CorrectionInput() -> type[Input]:
    class CorrectionInput(Input):
        """New values for an earlier event; only those given are changed."""

        name: Name
        position: int
        reason: RequiredText
        void: bool = False
        amount: Amount | None = None
        planned: Amount | None = None
        price: Amount | None = None
        mu: Area | None = None
        kind: VisitKind | None = None
        sector: Sector | None = None
        investor: Text = None
        channel: Text = None
        region: Text = None
        owner: Text = None
        parcel: Text = None
        participants: Text = None
        relocation: bool | None = None
        short: Text = None

        def changes(self) -> dict[str, Any]:
            return self.model_dump(exclude={"name", "position", "reason", "void"}, exclude_none=True)

    return CorrectionInput


def _FlagInput() -> type[Input]:
    class FlagInput(Input):
        name: Name

    return FlagInput


def _RenameInput() -> type[Input]:
    class RenameInput(Input):
        name: Name
        new: Name

    return RenameInput


def _VoidInput() -> type[Input]:
    class VoidInput(Input):
        name: Name
        reason: RequiredText

    return VoidInput


def _MergeInput() -> type[Input]:
    class MergeInput(Input):
        name: Name
        into: Name
        reason: RequiredText

    return MergeInput


def _MilestoneInput() -> type[Input]:
    class MilestoneInput(Input):
        name: Name

    return MilestoneInput


def _CommitInput() -> type[Input]:
    class CommitInput(Input):
        name: Name
        start_by: BusinessDate | None = None
        produce_by: BusinessDate | None = None
        invest: Amount | None = None
        invest_by: BusinessDate | None = None

    return CommitInput


def _HandoverInput() -> type[Input]:
    class HandoverInput(Input):
        name: Name
        owner: RequiredText

    return HandoverInput
