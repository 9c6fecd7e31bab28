"""Replace personal data with placeholders: phone numbers, emails, QQ numbers, ID and bank card numbers, IPs. Off by default.

What it does: finds mainland mobile numbers (`138 0013 8000`, `+86-13800138000`), landlines
with their area code (`010-62345678`, `（0755）86012345`), email addresses, QQ numbers
(only after `QQ`, `扣扣` or `企鹅号`), resident ID numbers (18 characters whose birth date
and ISO 7064 check digit are valid, computed by `python-stdnum`'s `cn.ric`), bank card
numbers (16–19 digits passing the Luhn check, either UnionPay's `62…` or after a word like
`卡号` / `账号`) and public IPv4 addresses (not private, loopback or reserved ones), and
replaces each with `<PHONE>`, `<EMAIL>`, `<QQ>`, `<ID>`, `<BANK_CARD>` or `<IP>`. The
output's `zhclean.pii` counts the replacements per kind.

Why: web pages carry the phone numbers and emails of private people (classified ads, forum
posts, leaked lists); a corpus should neither memorise nor republish them. Each kind is
validated, not just shaped: most 18-digit or 16-digit numbers in news are order, case or
stock numbers, and a check digit tells them apart. Enable with `--steps +pii` or
`[clean] steps = ["+pii"]` (the default steps, then this one).

Example: `联系电话：138-0013-8000，邮箱 zhang.san@example.com` → `联系电话：<PHONE>，邮箱 <EMAIL>`
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from stdnum import luhn
from stdnum.cn import ric

from zhclean.config import setting
from zhclean.steps.base import Removal, StepOutput, register

KINDS = ("email", "id", "bank_card", "phone", "qq", "ip")

_EMAIL = re.compile(r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24}(?![A-Za-z0-9-])")
_ID = re.compile(r"(?<![0-9A-Za-z])[1-9]\d{16}[0-9Xx](?![0-9A-Za-z])")
_CARD = re.compile(r"(?<!\d)(?:\d{4}[ -]?){3}\d{4}(?:[ -]?\d{1,3})?(?!\d)")
_CARD_CONTEXT = re.compile(r"(?:卡号|银行卡|信用卡|储蓄卡|借记卡|账号|帐号|卡號|銀行卡|帳號|card)\D{0,8}$", re.IGNORECASE)
_MOBILE = re.compile(r"(?<![\d+])(?:(?:\+|00)?86[ -]?)?1[3-9]\d(?:[ -]?\d{4}){2}(?!\d)")
_LANDLINE = re.compile(r"(?<!\d)(?:0\d{2,3}-|[(（]0\d{2,3}[)）][ -]?)[2-9]\d{6,7}(?:-\d{1,5})?(?!\d)")
_QQ = re.compile(r"(?i)(?:qq|扣扣|企鹅号)(?:号码|号|號|群)?\s*[:：]?\s*([1-9]\d{4,10})(?!\d)")
_IP = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])")


@dataclass(frozen=True, slots=True)
class PiiOptions:
    kinds: tuple[str, ...] = setting(KINDS, nonempty=True)  # which kinds to replace

    def __post_init__(self) -> None:
        unknown = sorted(set(self.kinds) - set(KINDS))
        if unknown:
            raise ValueError(f"kinds: unknown kind(s) {', '.join(unknown)} (known: {', '.join(KINDS)})")


def _is_id(text: str, match: re.Match) -> bool:
    """The check digit and the birth date, as `cn.ric` computes them. Not its region check:
    it rejects codes by the date a district was created (Shenzhen's Nanshan, 1990), yet
    people born earlier carry them, having been issued their number later."""
    number = match.group().upper()
    try:
        ric.get_birth_date(number)
    except Exception:  # noqa: BLE001 - stdnum raises its own ValidationError types
        return False
    return ric.calc_check_digit(number) == number[-1]


def _is_card(text: str, match: re.Match) -> bool:
    digits = re.sub(r"[ -]", "", match.group())
    if not 16 <= len(digits) <= 19 or not luhn.is_valid(digits):
        return False
    return digits.startswith("62") or _CARD_CONTEXT.search(text, max(0, match.start() - 16), match.start()) is not None


def _is_public_ip(text: str, match: re.Match) -> bool:
    try:
        return ipaddress.ip_address(match.group()).is_global
    except ValueError:
        return False


def _always(text: str, match: re.Match) -> bool:
    return True


# kind -> (pattern, validator, the group to replace, placeholder); applied in this order so
# that an email's digits or an ID's are gone before the phone patterns look.
_RULES: dict[str, tuple[re.Pattern, Callable[[str, re.Match], bool], int, str]] = {
    "email": (_EMAIL, _always, 0, "<EMAIL>"),
    "id": (_ID, _is_id, 0, "<ID>"),
    "bank_card": (_CARD, _is_card, 0, "<BANK_CARD>"),
    "phone": (_MOBILE, _always, 0, "<PHONE>"),
    "landline": (_LANDLINE, _always, 0, "<PHONE>"),
    "qq": (_QQ, _always, 1, "<QQ>"),
    "ip": (_IP, _is_public_ip, 0, "<IP>"),
}
_KIND_OF_RULE = {"landline": "phone"}


def _replace(text: str, rule: str, counts: dict[str, int], removals: list[Removal] | None) -> str:
    pattern, valid, group, placeholder = _RULES[rule]
    kind = _KIND_OF_RULE.get(rule, rule)
    pieces: list[str] = []
    last = 0
    for match in pattern.finditer(text):
        if not valid(text, match):
            continue
        start, end = match.span(group)
        pieces += [text[last:start], placeholder]
        last = end
        counts[kind] = counts.get(kind, 0) + 1
        if removals is not None:
            removals.append(Removal("pii", kind, start, text[start:end], placeholder))
    return "".join(pieces) + text[last:] if pieces else text


@register("pii", options=PiiOptions)
def pii(text: str, fields: Mapping[str, Any], options: PiiOptions, explain: bool) -> StepOutput:
    has_digit = re.search(r"\d", text) is not None
    if not has_digit and "@" not in text:
        return StepOutput(text)
    counts: dict[str, int] = {}
    removals: list[Removal] | None = [] if explain else None
    for rule in _RULES:
        if _KIND_OF_RULE.get(rule, rule) in options.kinds and (has_digit or rule == "email"):
            text = _replace(text, rule, counts, removals)
    if not counts:
        return StepOutput(text)
    return StepOutput(text, sum(counts.values()), {"pii": counts}, removals or [])
