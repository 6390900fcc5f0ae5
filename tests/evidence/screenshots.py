"""Phone screenshots drawn from known content, with the truth beside each.

SMS and chat screens, light and dark, at 1x-3x pixel density, a call log and a photo of
a screen, drawn with Noto Sans CJK (Debian's fonts-noto-cjk) the way phones draw them:
a status bar, a header with the sender, a time above each group of bubbles, the
collector's bubbles on the left and the borrower's on the right, text wrapped by width
(so a number may break across two lines). `ocr_report` reads a whole set and measures.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass, field

from PIL import Image, ImageDraw, ImageFilter, ImageFont

FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"

# What collectors write (real patterns, invented numbers and names). {n} is a third
# party's number, {name} their name.
COLLECTOR_LINES = [
    "你再不还钱，我们就去你单位找你，让你同事都知道你是老赖！",
    "你妈妈的电话{n}我们已经打过了，再不处理就打给你所有亲戚。",
    "明天法院就来送传票，后果自负。",
    "你同事{name}的电话{n}，我现在就打给他说你欠钱不还。",
    "已经把你的照片发到朋友圈曝光了，全网都知道你是老赖。",
    "我们是市公安局经侦大队，你已涉嫌恶意欠款，立即还款否则立案。",
    "今天下午五点前不还款，我们的人就上门找你家里人。",
    "你姐姐{name}手机号码是{n}，要不要我们去她家坐坐？",
    "律师函已经寄出，三天内不处理直接起诉。",
    "你的紧急联系人{n}说不认识你，你自己看着办。",
]
BORROWER_LINES = ["请不要再骚扰我的家人。", "我已经在协商还款了。", "好的，我知道了。"]
SENDERS = ["10690123456789", "95188", "13800138000", "10657500012345", "17012345678"]
CHAT_SENDERS = ["张经理(速贷催收)", "法务部-王律师", "贷后专员小李"]
NAMES = ["王秀英", "李明", "张伟", "刘芳", "陈静"]
BORROWER = "13900001111"


@dataclass
class Truth:
    sender: str
    channel: str  # sms, im, call
    times: list[str] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)  # the collector's, one per time
    third_party_numbers: list[str] = field(default_factory=list)
    third_party_names: list[str] = field(default_factory=list)
    calls: int = 0


@dataclass
class Shot:
    name: str
    data: bytes
    truth: Truth


def _font(size: float) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(FONT, round(size))


def _wrap(text: str, font: ImageFont.FreeTypeFont, width: float) -> list[str]:
    lines, current = [], ""
    for ch in text:
        if font.getlength(current + ch) > width and current:
            lines.append(current)
            current = ch
        else:
            current += ch
    return [*lines, current] if current else lines


def _fill(rng: random.Random, template: str, truth: Truth) -> str:
    text = template
    if "{n}" in text:
        number = f"1{rng.choice('3589')}{rng.randrange(10**8, 10**9)}"
        truth.third_party_numbers.append(number)
        text = text.replace("{n}", number)
    if "{name}" in text:
        name = rng.choice(NAMES)
        truth.third_party_names.append(name)
        text = text.replace("{name}", name)
    return text


def _status_bar(draw: ImageDraw.ImageDraw, s: float, width: int, fg: tuple[int, int, int]) -> None:
    draw.text((16 * s, 6 * s), "9:41", font=_font(12 * s), fill=fg)
    draw.text((width - 16 * s, 6 * s), "4G 85%", font=_font(12 * s), fill=fg, anchor="ra")


def message_screen(
    seed: int, *, scale: float = 2, dark: bool = False, chat: bool = False, groups: int = 2, png: bool = True
) -> tuple[Image.Image, Truth]:
    """An SMS thread (sender a number) or a chat (sender a name), `groups` time stamps."""
    rng = random.Random(seed)
    s = scale
    width, height = round(360 * s), round(760 * s)
    bg = (17, 17, 17) if dark else ((237, 237, 237) if chat else (255, 255, 255))
    fg = (232, 232, 232) if dark else (25, 25, 25)
    theirs = (44, 44, 46) if dark else ((255, 255, 255) if chat else (233, 233, 235))
    mine = (38, 120, 60) if dark else ((149, 236, 105) if chat else (52, 120, 246))
    mine_fg = (255, 255, 255) if (dark or not chat) else (25, 25, 25)
    grey = (150, 150, 150)
    im = Image.new("RGB", (width, height), bg)
    draw = ImageDraw.Draw(im)
    sender = rng.choice(CHAT_SENDERS if chat else SENDERS)
    truth = Truth(sender=sender, channel="im" if chat else "sms")
    _status_bar(draw, s, width, fg)
    draw.text((width / 2, 44 * s), ("< " if chat else "") + sender, font=_font(17 * s), fill=fg, anchor="mm")
    draw.line((0, 66 * s, width, 66 * s), fill=grey, width=max(1, round(s / 2)))
    body = _font(16 * s)
    y = 84 * s
    hour = rng.choice([8, 13, 21, 22, 23])
    minute = rng.randrange(0, 50)
    templates = rng.sample(COLLECTOR_LINES, groups)
    for index in range(groups):
        at = f"{hour}:{minute:02d}"
        minute = min(59, minute + rng.randrange(1, 9))
        truth.times.append(at)
        draw.text((width / 2, y + 8 * s), at, font=_font(12 * s), fill=grey, anchor="mm")
        y += 28 * s
        text = _fill(rng, templates[index], truth)
        truth.messages.append(text)
        left = (56 if chat else 14) * s
        if chat:
            draw.rectangle((12 * s, y, 48 * s, y + 36 * s), fill=(120, 160, 200))
        lines = _wrap(text, body, 220 * s)
        bubble_h = len(lines) * 24 * s + 18 * s
        bubble_w = max(body.getlength(line) for line in lines) + 24 * s
        draw.rounded_rectangle((left, y, left + bubble_w, y + bubble_h), radius=12 * s, fill=theirs)
        for n, line in enumerate(lines):
            draw.text((left + 12 * s, y + 9 * s + n * 24 * s), line, font=body, fill=fg)
        y += bubble_h + 16 * s
        if index == 0 and rng.random() < 0.6:
            reply = rng.choice(BORROWER_LINES)
            reply_w = body.getlength(reply) + 24 * s
            right = width - (56 if chat else 14) * s
            draw.rounded_rectangle((right - reply_w, y, right, y + 42 * s), radius=12 * s, fill=mine)
            draw.text((right - reply_w + 12 * s, y + 9 * s), reply, font=body, fill=mine_fg)
            y += 58 * s
    return im, truth


def call_log(seed: int, *, scale: float = 2, dark: bool = False) -> tuple[Image.Image, Truth]:
    """One number's call history: many calls in one night."""
    rng = random.Random(seed)
    s = scale
    width, height = round(360 * s), round(760 * s)
    bg, fg, grey = (
        ((0, 0, 0), (235, 235, 235), (140, 140, 140))
        if dark
        else ((255, 255, 255), (20, 20, 20), (120, 120, 120))
    )
    im = Image.new("RGB", (width, height), bg)
    draw = ImageDraw.Draw(im)
    sender = f"1{rng.choice('3578')}{rng.randrange(10**8, 10**9)}"
    truth = Truth(sender=sender, channel="call")
    _status_bar(draw, s, width, fg)
    draw.text((width / 2, 48 * s), sender, font=_font(20 * s), fill=fg, anchor="mm")
    draw.text((width / 2, 74 * s), "通话记录", font=_font(13 * s), fill=grey, anchor="mm")
    y = 104 * s
    minute = 60 * 21 + rng.randrange(0, 30)
    for _ in range(rng.randrange(6, 12)):
        at = f"{minute // 60}:{minute % 60:02d}"
        truth.times.append(at)
        kind, length = rng.choice(
            [
                ("呼入", f"{rng.randrange(1, 5)}分{rng.randrange(10, 59)}秒"),
                ("未接来电", f"响铃{rng.randrange(3, 30)}秒"),
            ]
        )
        draw.text((20 * s, y), kind, font=_font(15 * s), fill=fg)
        draw.text((150 * s, y), at, font=_font(15 * s), fill=fg)
        draw.text((width - 20 * s, y), length, font=_font(14 * s), fill=grey, anchor="ra")
        y += 44 * s
        minute += rng.randrange(3, 17)
    truth.calls = len(truth.times)
    return im, truth


def photo_of(screen: Image.Image, seed: int) -> Image.Image:
    """The screen photographed by another phone: tilted, softer, darker at the edges, noisy,
    on a desk."""
    rng = random.Random(seed)
    tilted = screen.rotate(
        rng.uniform(-2.5, 2.5), resample=Image.Resampling.BICUBIC, expand=True, fillcolor=(40, 40, 40)
    )
    tilted = tilted.filter(ImageFilter.GaussianBlur(0.8))
    desk = Image.new("RGB", (tilted.width + 160, tilted.height + 200), (92, 70, 52))
    desk.paste(tilted, (80, 100))
    shade = Image.radial_gradient("L").resize(desk.size).point(lambda v: 255 - v // 3)
    desk = Image.composite(desk, Image.new("RGB", desk.size, (0, 0, 0)), shade)
    noise = Image.effect_noise(desk.size, 12).convert("RGB")
    return Image.blend(desk, noise, 0.06)


def encode(im: Image.Image, fmt: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    im.save(buffer, fmt, **({"quality": 88} if fmt == "JPEG" else {}))
    return buffer.getvalue()


def small_set() -> list[Shot]:
    """The handful the ordinary test run reads (a few seconds of OCR each)."""
    sms, sms_truth = message_screen(1, scale=2, groups=2)
    chat, chat_truth = message_screen(2, scale=3, dark=True, chat=True, groups=2)
    calls, calls_truth = call_log(3, scale=1)
    return [
        Shot("sms-light-2x.png", encode(sms), sms_truth),
        Shot("chat-dark-3x.png", encode(chat), chat_truth),
        Shot("calls-1x.png", encode(calls), calls_truth),
    ]


def full_set() -> list[Shot]:
    """The recall report's set: every layout, both themes, 1x to 3x, photos of screens."""
    shots = []
    seed = 100
    for scale in (1, 2, 3):
        for dark in (False, True):
            for chat in (False, True):
                seed += 1
                im, truth = message_screen(seed, scale=scale, dark=dark, chat=chat, groups=2)
                theme = "dark" if dark else "light"
                shots.append(
                    Shot(f"{'chat' if chat else 'sms'}-{theme}-{scale}x-{seed}.png", encode(im), truth)
                )
            seed += 1
            im, truth = call_log(seed, scale=scale, dark=dark)
            shots.append(Shot(f"calls-{'dark' if dark else 'light'}-{scale}x-{seed}.png", encode(im), truth))
    for n in range(3):
        seed += 1
        im, truth = message_screen(seed, scale=2, chat=bool(n % 2), groups=2)
        shots.append(Shot(f"photo-{seed}.jpg", encode(photo_of(im, seed), "JPEG"), truth))
    return shots
