"""Reading one inbound email (issue 16). No database here: escalations.inbound decides
what the mail means for a case.

Inbound mail is hostile input. Python's `email` package parses it (policy.default), but
everything around it is guarded: limits on the header block, on the number of parts and
on their nesting are checked before the parser's results are trusted, and any exception
the parser or a decoder raises makes the mail `MalformedMail`, which goes to the admins'
queue. Nothing here renders HTML: an HTML body becomes plain text, scripts and styles
dropped, and the text is only ever shown escaped.

Chinese mail declares gb2312 for text that is really GBK or GB18030 (Outlook and the big
Chinese webmail services do): Python's gb2312 codec refuses those characters, so every
GB label is decoded as GB18030, its superset, with replacement characters for real
garbage.
"""

from __future__ import annotations

import base64
import binascii
import email.utils
import mimetypes
import re
from dataclasses import dataclass, field
from email import errors as mail_errors
from email import policy
from email.message import Message
from email.parser import BytesParser
from html.parser import HTMLParser

# Limits. A real reply from a lender is a few kilobytes of headers and a handful of parts.
MAX_HEADER_BLOCK = 256 * 1024  # the message's whole header, folded lines included
MAX_HEADER_CHARS = 16 * 1024  # one header field
MAX_HEADERS = 300  # fields in the message's header or in one part's
MAX_PARTS = 100
MAX_DEPTH = 8
# Lines that may open a part: a crude count before parsing, so that a message of a
# million empty parts is refused without building a million objects.
MAX_BOUNDARY_LINES = 20 * MAX_PARTS
MAX_TEXT_CHARS = 200_000
MAX_HTML_CHARS = 2_000_000
SUBJECT_CHARS = 300
ADDRESS_CHARS = 300
MESSAGE_ID_CHARS = 250
MAX_REFERENCES = 50
RETURNED_CHARS = 1_000_000

RECIPIENT_HEADERS = ("to", "cc", "delivered-to", "x-original-to", "envelope-to")
GB_CHARSETS = frozenset(
    {"gb2312", "gbk", "gb18030", "x-gbk", "cp936", "ms936", "euc-cn", "x-euc-cn", "csgb2312", "chinese"}
)
# Defects after which the parts of the message cannot be found.
_STRUCTURAL_DEFECTS = (
    mail_errors.NoBoundaryInMultipartDefect,
    mail_errors.StartBoundaryNotFoundDefect,
    mail_errors.MultipartInvariantViolationDefect,
)
_AUTO_SUBJECT = re.compile(
    r"自动回复|自動回覆|自动答复|自動回復|auto[\s_-]?reply|automatic\s+reply|auto[\s_-]?response|out\s+of\s+(the\s+)?office",
    re.IGNORECASE,
)
_ENCODED_WORD = re.compile(r"=\?([^?\s]{1,40})\?([bBqQ])\?([^?\s]*)\?=")
_MESSAGE_ID = re.compile(rf"<[^<>\s]{{1,{MESSAGE_ID_CHARS - 2}}}>")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class MalformedMail(Exception):
    """The message cannot be read safely; the text says why (for the admin queue)."""


@dataclass
class Attachment:
    name: str
    content_type: str
    data: bytes


@dataclass
class ParsedMail:
    message_id: str = ""
    sender: str = ""  # the From header, decoded, as shown to the admin
    sender_address: str = ""  # the bare address
    to: str = ""
    subject: str = ""
    # Bare addresses from To, Cc, Delivered-To, X-Original-To, Envelope-To.
    recipients: list[str] = field(default_factory=list)
    # Message ids named by In-Reply-To and References.
    references: list[str] = field(default_factory=list)
    text: str = ""
    html_only: bool = False
    attachments: list[Attachment] = field(default_factory=list)
    # Why the mail looks automatic ("" when a person wrote it).
    auto_reply: str = ""
    bounce: bool = False
    # The delivery failed (a report may also say it is only delayed).
    bounce_failed: bool = False
    bounce_actions: list[str] = field(default_factory=list)
    bounce_recipients: list[str] = field(default_factory=list)
    bounce_diagnostic: str = ""
    # The returned message or its headers, where our token and Message-ID are looked for.
    returned: str = ""
    notes: list[str] = field(default_factory=list)


# --- Decoding ------------------------------------------------------------------------


def decode_bytes(data: bytes, charset: str | None) -> str:
    """Text from bytes in the declared charset, or the likeliest one when it lies."""
    label = (charset or "").strip().strip("\"'").lower().split("*", 1)[0]
    if label in GB_CHARSETS:
        return data.decode("gb18030", errors="replace")
    if label:
        try:
            # LookupError also for labels of bytes-to-bytes codecs (base64, zlib...).
            return data.decode(label)
        except (UnicodeDecodeError, LookupError, ValueError):
            pass  # unknown, or declared wrongly: guess below
    for guess in ("utf-8", "gb18030"):
        try:
            return data.decode(guess)
        except UnicodeDecodeError:
            continue
    return data.decode("utf-8", errors="replace")


def _undo_surrogates(text: str) -> str:
    """Raw 8-bit bytes in a header reach us as surrogate escapes; read them as text."""
    if not any("\udc80" <= ch <= "\udcff" for ch in text):
        return text
    return decode_bytes(text.encode("utf-8", "surrogateescape"), None)


def _word_bytes(encoding: str, payload: str) -> bytes | None:
    try:
        if encoding in "bB":
            return base64.b64decode(payload + "=" * (-len(payload) % 4))
        return binascii.a2b_qp(payload.replace("_", " ").encode("ascii", "replace"))
    except (binascii.Error, ValueError):
        return None


def decode_header_text(raw: str, limit: int = SUBJECT_CHARS) -> str:
    """A header's text with its RFC 2047 encoded words decoded, on one line.

    Our own decoding rather than email.header's: adjacent encoded words in one charset
    are joined before decoding (encoders split a GBK character across two words), and
    GB labels are read as GB18030.
    """
    raw = _undo_surrogates(re.sub(r"\r?\n[ \t]", " ", raw or ""))
    pieces: list[tuple[str | None, bytes | str]] = []
    position = 0
    for match in _ENCODED_WORD.finditer(raw):
        gap = raw[position : match.start()]
        decoded = _word_bytes(match.group(2), match.group(3))
        charset = match.group(1).lower().split("*", 1)[0]
        # Whitespace between two encoded words is not part of the text (RFC 2047 §6.2).
        if gap and not (gap.isspace() and pieces and pieces[-1][0] is not None):
            pieces.append((None, gap))
        if decoded is None:
            pieces.append((None, match.group(0)))
        elif pieces and pieces[-1][0] == charset:
            previous = pieces[-1][1]
            assert isinstance(previous, bytes)
            pieces[-1] = (charset, previous + decoded)
        else:
            pieces.append((charset, decoded))
        position = match.end()
    pieces.append((None, raw[position:]))
    text = "".join(
        piece if isinstance(piece, str) else decode_bytes(piece, charset) for charset, piece in pieces
    )
    return " ".join(_CONTROL.sub(" ", text).split())[:limit]


def clean_text(text: str, limit: int = MAX_TEXT_CHARS) -> str:
    """Line ends made \n, control characters dropped, runs of blank lines shortened."""
    text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = re.sub(r"[ \t]+\n", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()[:limit]


class _TextOfHtml(HTMLParser):
    """The words of an HTML body, as a reader would see them. Never rendered: the output is
    text, shown escaped. Scripts, styles and the title are dropped."""

    SKIP = frozenset({"script", "style", "title", "template"})
    BLOCK = frozenset(
        {"p", "div", "br", "li", "tr", "table", "blockquote", "hr", "section", "article", "pre"}
        | {"h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "dl", "dt", "dd", "header", "footer"}
    )

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "body":
            self.skipping = 0  # an unclosed <title> must not swallow the letter
        elif tag in self.SKIP:
            self.skipping += 1
        elif tag in self.BLOCK:
            self.parts.append("\n")
        elif tag == "td":
            self.parts.append(" ")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag in self.BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    parser = _TextOfHtml()
    parser.feed(html[:MAX_HTML_CHARS])
    parser.close()
    lines = (" ".join(line.split()) for line in "".join(parser.parts).split("\n"))
    return clean_text("\n".join(lines))


# --- Headers -------------------------------------------------------------------------


def _raw_values(msg: Message, name: str) -> list[str]:
    return [str(value) for key, value in msg.raw_items() if key.lower() == name]


def _raw_value(msg: Message, name: str) -> str:
    values = _raw_values(msg, name)
    return values[0] if values else ""


def _addresses(values: list[str]) -> list[str]:
    found = []
    for value in values:
        try:
            pairs = email.utils.getaddresses([_undo_surrogates(value.replace("\r", "").replace("\n", " "))])
        except Exception:  # noqa: BLE001, S112 - a hostile header must not stop the others
            continue
        for _name, address in pairs:
            local, at, host = address.strip().rpartition("@")
            # The domain in lower case; the local part as sent (inbound reads tokens in any case).
            if at and local:
                found.append(f"{local}@{host.lower()}"[:ADDRESS_CHARS])
    return found


def message_id_of(raw: str) -> str:
    raw = _undo_surrogates(raw or "").strip()
    match = _MESSAGE_ID.search(raw)
    if match:
        return match.group(0)
    return " ".join(raw.split())[:MESSAGE_ID_CHARS]


def _check_header_block(raw: bytes) -> None:
    end = min((i for i in (raw.find(b"\r\n\r\n"), raw.find(b"\n\n")) if i >= 0), default=len(raw))
    if end > MAX_HEADER_BLOCK:
        raise MalformedMail(f"header block over {MAX_HEADER_BLOCK} bytes")
    fields = 0
    current = 0
    for line in raw[:end].splitlines():
        if line[:1] in (b" ", b"\t"):
            current += len(line)
        else:
            fields += 1
            current = len(line)
        if current > MAX_HEADER_CHARS:
            raise MalformedMail(f"a header field over {MAX_HEADER_CHARS} bytes")
    if fields > MAX_HEADERS:
        raise MalformedMail(f"more than {MAX_HEADERS} header fields")


def _auto_reason(msg: Message, subject: str) -> str:
    auto = _raw_value(msg, "auto-submitted").strip()
    if auto and auto.split(";")[0].strip().lower() != "no":
        return f"Auto-Submitted: {auto[:60]}"
    for name in ("x-autoreply", "x-autorespond", "x-autoreply-from", "x-mail-autoreply"):
        if _raw_values(msg, name):
            return name
    precedence = _raw_value(msg, "precedence").strip().lower()
    if precedence in ("bulk", "junk", "list", "auto_reply"):
        return f"Precedence: {precedence}"
    if _AUTO_SUBJECT.search(subject):
        return f"Subject: {subject[:60]}"
    return ""


def read_headers(msg: Message, parsed: ParsedMail) -> None:
    """The top-level headers, each on its own so that one bad header spoils only itself."""
    parsed.message_id = message_id_of(_raw_value(msg, "message-id"))
    sender = _raw_value(msg, "from")
    parsed.sender = decode_header_text(sender, ADDRESS_CHARS)
    senders = _addresses([sender])
    parsed.sender_address = senders[0] if senders else ""
    parsed.to = decode_header_text(_raw_value(msg, "to"), ADDRESS_CHARS)
    parsed.subject = decode_header_text(_raw_value(msg, "subject"))
    parsed.recipients = list(
        dict.fromkeys(_addresses([v for name in RECIPIENT_HEADERS for v in _raw_values(msg, name)]))
    )
    ids: list[str] = []
    for name in ("in-reply-to", "references"):
        for value in _raw_values(msg, name):
            ids += _MESSAGE_ID.findall(_undo_surrogates(value))
    parsed.references = list(dict.fromkeys(ids))[-MAX_REFERENCES:]


def parse_head(raw: bytes) -> ParsedMail:
    """What can be read of a message's header alone: for mail that is too large or broken,
    so that the admin queue still shows who sent it. Never raises."""
    parsed = ParsedMail()
    end = min((i for i in (raw.find(b"\r\n\r\n"), raw.find(b"\n\n")) if i >= 0), default=len(raw))
    head = raw[: min(end, MAX_HEADER_BLOCK)]
    try:
        msg = BytesParser(policy=policy.compat32).parsebytes(head, headersonly=True)
        # Only fields of sane length: a megabyte-long header is what made the mail broken.
        for key, value in list(msg.raw_items()):
            if len(str(value)) > MAX_HEADER_CHARS:
                del msg[key]
        read_headers(msg, parsed)
    except Exception:  # noqa: BLE001, S110 - best effort by design: the mail is already refused
        pass
    return parsed


# --- The body ------------------------------------------------------------------------


def _leaves(msg: Message) -> list[tuple[Message, str]]:
    """Every part with content, in order, with the limits checked. message/rfc822 and
    message/delivery-status are leaves: a forwarded mail is one attachment, and a
    report's blocks are read where bounces are."""
    found: list[tuple[Message, str]] = []
    stack: list[tuple[Message, int]] = [(msg, 0)]
    count = 0
    while stack:
        part, depth = stack.pop()
        count += 1
        if count > MAX_PARTS:
            raise MalformedMail(f"more than {MAX_PARTS} parts")
        if depth > MAX_DEPTH:
            raise MalformedMail(f"parts nested deeper than {MAX_DEPTH}")
        if len(part.keys()) > MAX_HEADERS:
            raise MalformedMail(f"a part with more than {MAX_HEADERS} header fields")
        if any(isinstance(d, _STRUCTURAL_DEFECTS) for d in part.defects):
            raise MalformedMail("broken MIME structure: " + ", ".join(type(d).__name__ for d in part.defects))
        ctype = part.get_content_type()
        if ctype in ("message/rfc822", "message/delivery-status", "message/global"):
            found.append((part, ctype))
        elif part.is_multipart():
            children = part.get_payload()
            if not isinstance(children, list):
                raise MalformedMail("a multipart without parts")
            stack.extend((child, depth + 1) for child in reversed(children))
        elif part.get_content_maintype() == "multipart":
            raise MalformedMail("a multipart without parts")
        else:
            found.append((part, ctype))
    return found


def _payload(part: Message) -> bytes:
    data = part.get_payload(decode=True)
    if isinstance(data, bytes):
        return data
    return b"" if data is None else str(data).encode("utf-8", "surrogateescape")


def _part_text(part: Message) -> str:
    return decode_bytes(_payload(part), part.get_content_charset())


def _filename(part: Message) -> str:
    # The library decodes RFC 2231 (filename*=utf-8''...); RFC 2047 words in a name, which
    # the standard forbids and Chinese mailers write, are decoded here.
    name = part.get_filename() or ""
    name = decode_header_text(name, 200) if "=?" in name else _undo_surrogates(name)
    return _CONTROL.sub("", name).replace("/", "_").replace("\\", "_").strip()[:200]


def _is_attachment(part: Message) -> bool:
    return part.get_content_disposition() == "attachment" or bool(_filename(part))


def _attachment_name(part: Message, ctype: str, index: int) -> str:
    name = _filename(part)
    if name:
        return name
    if ctype in ("message/rfc822", "message/global"):
        return f"message-{index}.eml"
    return f"attachment-{index}{mimetypes.guess_extension(ctype) or ''}"


def _message_bytes(part: Message) -> bytes:
    inner = part.get_payload()
    if isinstance(inner, list) and inner:
        inner = inner[0]
    if isinstance(inner, Message):
        try:
            return inner.as_bytes(policy=policy.compat32)
        except Exception:  # noqa: BLE001 - a returned message we cannot re-serialise
            return str(inner.items()).encode("utf-8", "replace")
    return _payload(part)


def _read_report(part: Message, parsed: ParsedMail) -> None:
    """The fields of a delivery status notification (RFC 3464), block by block."""
    blocks = part.get_payload()
    if not isinstance(blocks, list):
        return
    for block in blocks:
        if not isinstance(block, Message):
            continue
        action = _raw_value(block, "action").strip().lower()
        if action:
            parsed.bounce_actions.append(action[:20])
        recipient = _raw_value(block, "final-recipient") or _raw_value(block, "original-recipient")
        if recipient:
            address = recipient.split(";", 1)[-1].strip().strip("<>").lower()
            if "@" in address:
                parsed.bounce_recipients.append(address[:ADDRESS_CHARS])
        diagnostic = _raw_value(block, "diagnostic-code") or _raw_value(block, "status")
        if diagnostic and not parsed.bounce_diagnostic:
            parsed.bounce_diagnostic = decode_header_text(diagnostic, 280)


def _is_bounce(msg: Message, parsed: ParsedMail) -> bool:
    if msg.get_content_type() == "multipart/report":
        report_type = str(msg.get_param("report-type") or "").lower()
        if report_type == "delivery-status":
            return True
    local = parsed.sender_address.rpartition("@")[0].lower()
    return local in ("mailer-daemon", "postmaster")


def parse_mail(raw: bytes) -> ParsedMail:
    """Everything the app uses of one message; raises MalformedMail, and only that."""
    try:
        return _parse(raw)
    except MalformedMail:
        raise
    except Exception as e:  # whatever the parser trips on, the mail is broken
        raise MalformedMail(f"unreadable: {type(e).__name__}") from e


def _parse(raw: bytes) -> ParsedMail:
    _check_header_block(raw)
    if raw.count(b"\n--") > MAX_BOUNDARY_LINES:
        raise MalformedMail(f"more than {MAX_PARTS} parts")
    msg = BytesParser(policy=policy.default).parsebytes(raw)
    parsed = ParsedMail()
    read_headers(msg, parsed)
    if not parsed.sender_address:
        raise MalformedMail("no sender (From) address")
    leaves = _leaves(msg)
    parsed.bounce = _is_bounce(msg, parsed)
    parsed.auto_reply = "" if parsed.bounce else _auto_reason(msg, parsed.subject)
    plain: str | None = None
    html: str | None = None
    index = 0
    returned: list[str] = []
    for part, ctype in leaves:
        for defect in part.defects:
            parsed.notes.append(f"defect: {type(defect).__name__}")
        if parsed.bounce:
            if ctype == "message/delivery-status":
                _read_report(part, parsed)
            elif ctype in ("message/rfc822", "message/global"):
                returned.append(decode_bytes(_message_bytes(part), "utf-8"))
            elif ctype.startswith("text/"):
                returned.append(_part_text(part))
            continue
        if ctype == "text/plain" and plain is None and not _is_attachment(part):
            plain = _part_text(part)
            continue
        if ctype == "text/html" and html is None and not _is_attachment(part):
            html = _part_text(part)
            continue
        if ctype == "message/delivery-status":
            continue
        index += 1
        data = _message_bytes(part) if ctype.startswith("message/") else _payload(part)
        parsed.attachments.append(Attachment(_attachment_name(part, ctype, index), ctype, data))
    if parsed.bounce:
        parsed.returned = "\n".join(returned)[:RETURNED_CHARS]
        # A report that a delivery is only delayed is no failure. Not a report, or one
        # without actions (qmail's plain text): a daemon's message about our letter is.
        parsed.bounce_failed = "failed" in parsed.bounce_actions or not parsed.bounce_actions
        return parsed
    if plain is not None and plain.strip():
        parsed.text = clean_text(plain)
    elif html is not None:
        parsed.text = html_to_text(html)
        parsed.html_only = True
    return parsed
