"""What a screenshot of messages or calls says, from the lines OCR read in it.

Pure functions of the recognised lines (text, a box per character) and the picture's
size: no database, no Django models, so the recall report and the tests feed them
directly. `read_screen` finds the sender (the header of an SMS or chat screen), the
times, the collector's messages under each time, the kind of harassment their words
suggest, and the phone numbers in them that belong to neither the borrower nor the
collector: those third parties get covered in the copy that leaves the app.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from typing import Any

from lib.phones import normalize_phone

Box = list[int]

# A line that is only a time, as chat and SMS screens print them above a message:
# "21:43", "昨天 21:43", "5月3日 下午 9:43", "05-03 21:43".
_DAY = r"(?:(?P<month>\d{1,2})\s*[月/\-.]\s*(?P<day>\d{1,2})\s*日?|(?P<rel>昨天|前天|今天))"
_PART = r"(?P<part>上午|下午|晚上|凌晨|中午|早上)"
_CLOCK = r"(?P<hour>\d{1,2})\s*[:：]\s*(?P<minute>\d{2})"
_TIME_LINE = re.compile(rf"^\s*(?:{_DAY}\s*)?(?:{_PART}\s*)?{_CLOCK}\s*$")
_TIME_ANYWHERE = re.compile(rf"(?:{_DAY}\s*)?(?:{_PART}\s*)?{_CLOCK}")
# Call-log rows name the call: answered, missed, outgoing, how long it rang or lasted.
_CALL_WORDS = re.compile(r"呼入|呼出|未接|已接|来电|去电|拨出|通话|响铃|已拨")
# The status bar: a clock, a battery percentage, network names.
_STATUS_BAR = re.compile(r"%|\b[45]G\b|LTE|WiFi|中国移动|中国联通|中国电信")
# What a header carries besides the name: a back arrow, a menu, "details".
_HEADER_NOISE = re.compile(r"^[<〈‹«|｜\s]+|返回|[…⋯·:：>\s]+$|详情|\.\.\.$")

# Mainland mobiles, and landlines with their area code; digits may be split by a space or
# a dash, and by a line break (the lines of one bubble are joined before searching).
_NUMBER = re.compile(r"(?<!\d)(?:1[3-9](?:[\s\-]?\d){9}|0\d{2,3}[\s\-]?\d{7,8})(?!\d)")
# A number the way a header shows it: a whole line of digits, short service numbers too.
_HEADER_NUMBER = re.compile(r"^[+\d\s\-()]{5,24}$")

# Common surnames: a name is taken to be one of these and one or two more characters,
# right before a number ("张秀英的电话 139…", "李明：139…").
_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶"
    "程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾"
    "毛郝龚邵万钱严覃武戴莫孔向汤"
)
_NAME_BEFORE = re.compile(
    rf"(?P<name>[{_SURNAMES}][\u4e00-\u9fff]{{1,2}}?)(?:的)?(?:电话|手机号?|号码|联系方式)?(?:是)?[:：\s]*$"
)
# Words that are never part of a name ("你妈妈的电话": 妈妈 is a relation, not a name).
_NOT_NAME = set("你我他她的妈爸姐哥弟妹爷奶婆公叔姨舅们是和跟电话手机号码给打")

# Words that suggest a kind of harassment, strongest first: the first kind found is the
# one proposed (the borrower changes it if it is wrong).
KIND_WORDS: list[tuple[str, re.Pattern[str]]] = [
    (
        "impersonation",
        re.compile(
            r"法院|传票|律师函|公安|警察|派出所|立案|逮捕|拘留|起诉|判决|执行局|检察院|网警|刑事|通缉令"
        ),
    ),
    (
        "threats",
        re.compile(r"后果自负|上门|弄死|砍死|收拾你|小心|不得好死|让你好看|走着瞧|去你单位|找你家|家人安全"),
    ),
    (
        "third_parties",
        re.compile(
            r"通讯录|紧急联系人|你妈|你爸|妈妈|爸爸|家人|同事|领导|朋友|亲戚|父母|老婆|老公|姐姐|哥哥"
        ),
    ),
    ("public_shaming", re.compile(r"曝光|朋友圈|公示|老赖|全网|大字报|群发|发到群")),
    ("insults", re.compile(r"傻逼|垃圾|不要脸|废物|畜生|贱人|死全家|人渣|狗东西")),
]
# Who the message says was contacted, for the proposal's "who was contacted".
_CONTACTED_WORDS: list[tuple[str, re.Pattern[str]]] = [
    ("family", re.compile(r"妈|爸|父母|家人|老婆|老公|姐|哥|弟|妹|亲戚")),
    ("colleagues", re.compile(r"同事|领导|单位|公司|老板")),
    ("contact_list", re.compile(r"通讯录|联系人")),
    ("friends", re.compile(r"朋友")),
]


@dataclass
class Line:
    text: str
    box: Box
    chars: list[Box | None]

    @property
    def left(self) -> int:
        return self.box[0]

    @property
    def right(self) -> int:
        return self.box[2]

    @property
    def top(self) -> int:
        return self.box[1]

    @property
    def height(self) -> int:
        return max(1, self.box[3] - self.box[1])


@dataclass
class Covered:
    """Something in the picture to cover: what it is, why, and where."""

    kind: str  # "number" or "name"
    text: str
    reason: str  # "third_party_number" or "third_party_name"
    boxes: list[Box]


@dataclass
class Message:
    """The collector's text under one time stamp (or before the first one: time None)."""

    time: time | None
    day_offset: int | None  # None: the day is the screenshot's; else days before it...
    month_day: tuple[int, int] | None  # ...or the month and day printed with the time
    text: str
    third_party_numbers: list[str] = field(default_factory=list)

    @property
    def kind(self) -> str:
        return suggest_kind(self.text, bool(self.third_party_numbers))

    @property
    def contacted(self) -> str:
        if not self.third_party_numbers:
            return "self"
        for code, words in _CONTACTED_WORDS:
            if words.search(self.text):
                return code
        return "other"


@dataclass
class Calls:
    """A call log's calls of one day."""

    times: list[time]
    day_offset: int | None
    month_day: tuple[int, int] | None


@dataclass
class Screen:
    sender: str = ""
    channel: str = ""  # "sms", "im" or "call"
    messages: list[Message] = field(default_factory=list)
    calls: list[Calls] = field(default_factory=list)
    covers: list[Covered] = field(default_factory=list)

    @property
    def times(self) -> list[time]:
        found = [m.time for m in self.messages if m.time is not None]
        return found + [t for c in self.calls for t in c.times]


def suggest_kind(text: str, names_third_parties: bool = False) -> str:
    for code, words in KIND_WORDS:
        if code == "third_parties" and not names_third_parties and not re.search(r"通讯录|紧急联系人", text):
            continue  # "your mother" alone is a threat's subject, not proof she was contacted
        if words.search(text):
            return code
    return "other"


def _lines(raw: list[dict[str, Any]]) -> list[Line]:
    lines = []
    for item in raw:
        text = str(item.get("text") or "")
        chars = list(item.get("chars") or [])
        box = item.get("box")
        if not text.strip() or not box or len(chars) != len(text):
            continue
        lines.append(Line(text=text, box=list(box), chars=chars))
    lines.sort(key=lambda line: (line.top, line.left))
    return lines


def _time_of(match: re.Match[str]) -> tuple[time | None, int | None, tuple[int, int] | None]:
    hour, minute = int(match["hour"]), int(match["minute"])
    part = match["part"]
    if (part in ("下午", "晚上") and hour < 12) or (part == "中午" and hour < 11):
        hour += 12
    elif part == "凌晨" and hour == 12:
        hour = 0
    if hour > 23 or minute > 59:
        return None, None, None
    offset = {"昨天": 1, "前天": 2, "今天": 0}.get(match["rel"] or "")
    month_day = None
    if match["month"]:
        month, day = int(match["month"]), int(match["day"])
        if 1 <= month <= 12 and 1 <= day <= 31:
            month_day = (month, day)
    return time(hour, minute), offset, month_day


def _clean_header(text: str) -> str:
    previous = None
    while previous != text:
        previous = text
        text = _HEADER_NOISE.sub("", text).strip()
    return text


def _is_status_bar(line: Line, height: int) -> bool:
    # A photo of a screen has a margin above it: the bar is lower than on a screenshot.
    if line.top < height * 0.15 and _STATUS_BAR.search(line.text):
        return True
    return line.top < height * 0.05 and bool(_TIME_LINE.match(line.text))


def day_of(shot_day: date, offset: int | None, month_day: tuple[int, int] | None) -> date:
    """The calendar day of a time shown on a screenshot taken (or uploaded) on `shot_day`."""
    if month_day is not None:
        month, day = month_day
        for year in (shot_day.year, shot_day.year - 1):
            try:
                candidate = date(year, month, day)
            except ValueError:
                continue
            if candidate <= shot_day:
                return candidate
        return shot_day
    return shot_day - timedelta(days=offset or 0)


def _merge_boxes(boxes: list[Box], pad: int) -> list[Box]:
    """One rectangle per line the characters sit on, a little larger than the glyphs."""
    rows: list[list[Box]] = []
    for box in sorted(boxes, key=lambda b: (b[1], b[0])):
        for row in rows:
            top, bottom = min(b[1] for b in row), max(b[3] for b in row)
            # Same line: overlapping vertically by more than half.
            if min(bottom, box[3]) - max(top, box[1]) > (box[3] - box[1]) / 2:
                row.append(box)
                break
        else:
            rows.append([box])
    merged = []
    for row in rows:
        merged.append(
            [
                min(b[0] for b in row) - pad,
                min(b[1] for b in row) - pad,
                max(b[2] for b in row) + pad,
                max(b[3] for b in row) + pad,
            ]
        )
    return merged


def _find_covers(
    text: str, chars: list[Box | None], *, known: set[str], pad: int
) -> tuple[list[Covered], list[str]]:
    """Third parties' numbers (and the names right before them) in one bubble's text."""
    covers, numbers = [], []
    for match in _NUMBER.finditer(text):
        number = normalize_phone(match.group())
        if not number or number in known:
            continue
        boxes = [b for b in chars[match.start() : match.end()] if b]
        if not boxes:
            continue
        numbers.append(number)
        covers.append(Covered("number", number, "third_party_number", _merge_boxes(boxes, pad)))
        before = text[max(0, match.start() - 12) : match.start()]
        name = _NAME_BEFORE.search(before)
        if name and not set(name["name"]) & _NOT_NAME:
            start = match.start() - len(before) + name.start("name")
            name_boxes = [b for b in chars[start : start + len(name["name"])] if b]
            if name_boxes:
                covers.append(
                    Covered("name", name["name"], "third_party_name", _merge_boxes(name_boxes, pad))
                )
    return covers, numbers


def _bubbles(lines: list[Line]) -> list[list[Line]]:
    """Consecutive lines that belong together: no wider gap than a line's height between them,
    and starting near the same left edge (a bubble's lines are aligned)."""
    groups: list[list[Line]] = []
    for line in lines:
        is_time = bool(_TIME_LINE.match(line.text))
        if groups and not is_time and not _TIME_LINE.match(groups[-1][-1].text):
            last = groups[-1][-1]
            gap = line.top - last.box[3]
            if (
                gap <= max(last.height, line.height) * 0.9
                and abs(line.left - groups[-1][0].left) < 3 * line.height
            ):
                groups[-1].append(line)
                continue
        groups.append([line])
    return groups


def _joined(lines: list[Line]) -> tuple[str, list[Box | None]]:
    text, chars = "", []
    for line in lines:
        text += line.text
        chars += line.chars
    return text, chars


def read_screen(
    raw_lines: list[dict[str, Any]], width: int, height: int, *, borrower_numbers: set[str] = frozenset()
) -> Screen:
    """The sender, messages (or calls) and third parties' data on one screenshot."""
    lines = [line for line in _lines(raw_lines) if not _is_status_bar(line, height)]
    screen = Screen()
    if not lines:
        return screen
    pad = max(2, round(min(line.height for line in lines) * 0.25))
    # The header: the first line near the top that is neither a time nor a call row.
    # A clock above the header is the status bar's, lower on a photo of a screen.
    while (
        len(lines) > 1
        and _TIME_LINE.match(lines[0].text)
        and lines[1].top < height * 0.2
        and not _TIME_LINE.match(lines[1].text)
    ):
        lines = lines[1:]
    body = lines
    first = lines[0]
    if first.top < height * 0.2 and not _TIME_LINE.match(first.text):
        header = _clean_header(first.text)
        if _HEADER_NUMBER.match(header):
            screen.sender = normalize_phone(header) or re.sub(r"\D", "", header)
            screen.channel = "sms"
        else:
            screen.sender = header[:80]
            screen.channel = "im"
        body = lines[1:]
    known = set(borrower_numbers)
    if screen.sender:
        known.add(normalize_phone(screen.sender) or screen.sender)
    rows = _rows(body)
    if sum(1 for row in rows if _CALL_WORDS.search(row.text) and _TIME_ANYWHERE.search(row.text)) >= 2:
        screen.channel = "call"
        _read_calls(screen, rows)
        for line in body:
            covers, _numbers = _find_covers(line.text, line.chars, known=known, pad=pad)
            screen.covers += covers
        return screen
    if not screen.channel:
        screen.channel = "sms"
    _read_messages(screen, body, width, known=known, pad=pad)
    return screen


def _rows(lines: list[Line]) -> list[Line]:
    """Lines side by side made one (a call log's columns come back as separate lines)."""
    rows: list[list[Line]] = []
    for line in lines:
        centre = (line.box[1] + line.box[3]) / 2
        for row in rows:
            first = row[0]
            if abs(centre - (first.box[1] + first.box[3]) / 2) < first.height / 2:
                row.append(line)
                break
        else:
            rows.append([line])
    joined = []
    for row in rows:
        row.sort(key=lambda line: line.left)
        text = " ".join(line.text for line in row)
        chars: list[Box | None] = []
        for n, line in enumerate(row):
            chars += ([None] if n else []) + line.chars
        box = [
            min(x.box[0] for x in row),
            min(x.box[1] for x in row),
            max(x.box[2] for x in row),
            max(x.box[3] for x in row),
        ]
        joined.append(Line(text=text, box=box, chars=chars))
    return joined


def _read_calls(screen: Screen, body: list[Line]) -> None:
    by_day: dict[tuple[int | None, tuple[int, int] | None], list[time]] = {}
    # Every row with a time is a call: OCR may misread a small "呼入" on one of them.
    for line in body:
        match = _TIME_ANYWHERE.search(line.text)
        if not match:
            continue
        at, offset, month_day = _time_of(match)
        if at is not None:
            by_day.setdefault((offset, month_day), []).append(at)
    for (offset, month_day), times in by_day.items():
        screen.calls.append(Calls(times=sorted(times), day_offset=offset, month_day=month_day))


def _read_messages(screen: Screen, body: list[Line], width: int, *, known: set[str], pad: int) -> None:
    current: Message | None = None
    for bubble in _bubbles(body):
        if len(bubble) == 1 and (match := _TIME_LINE.match(bubble[0].text)):
            at, offset, month_day = _time_of(match)
            current = Message(time=at, day_offset=offset, month_day=month_day, text="")
            screen.messages.append(current)
            continue
        text, chars = _joined(bubble)
        covers, numbers = _find_covers(text, chars, known=known, pad=pad)
        screen.covers += covers
        # The borrower's own messages sit on the right; only the collector's are quoted.
        left, right = bubble[0].left, max(line.right for line in bubble)
        own = left > width * 0.5 or (left > width * 0.25 and right > width * 0.75)
        if own:
            continue
        if current is None:
            current = Message(time=None, day_offset=None, month_day=None, text="")
            screen.messages.append(current)
        current.text = f"{current.text}\n{text}" if current.text else text
        current.third_party_numbers += [n for n in numbers if n not in current.third_party_numbers]
    screen.messages = [m for m in screen.messages if m.text]
