"""Evidence files for the demo, made on the fly: a chat screenshot and a short call recording."""

from __future__ import annotations

import io
import math
import shutil
import subprocess
import wave

from django.core.files.base import ContentFile
from PIL import Image, ImageDraw, ImageFont

_CHAT = [
    ("催收员 17100001111", "你再不还钱，我们就给你通讯录里的人都打电话。"),
    ("催收员 17100001111", "你同事、你爸妈，我们都会通知。"),
    ("我", "请不要骚扰我的家人，我正在和平台协商。"),
    ("催收员 17100001111", "明天上门，你自己看着办。"),
]


def _cjk_font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """Noto CJK when the system has it (Debian: fonts-noto-cjk); Pillow's own font otherwise."""
    fc_match = shutil.which("fc-match")
    if fc_match:
        result = subprocess.run(  # noqa: S603 - fixed program and arguments
            [fc_match, "-f", "%{file}", "Noto Sans CJK SC:lang=zh-cn"],
            capture_output=True,
            text=True,
            check=False,
        )
        path = result.stdout.strip()
        if path and ("CJK" in path or "cjk" in path):
            try:
                return ImageFont.truetype(path, size)
            except OSError:
                pass
    return ImageFont.load_default(size)


def chat_screenshot() -> ContentFile:
    width, height = 720, 160 + 150 * len(_CHAT)
    im = Image.new("RGB", (width, height), (237, 237, 237))
    draw = ImageDraw.Draw(im)
    name_font, text_font = _cjk_font(24), _cjk_font(30)
    draw.rectangle((0, 0, width, 90), fill=(60, 60, 60))
    draw.text((30, 28), "微信", font=text_font, fill="white")
    y = 120
    for who, text in _CHAT:
        mine = who == "我"
        draw.text((40 if not mine else width - 120, y), who, font=name_font, fill=(120, 120, 120))
        box = (40, y + 36, width - 40, y + 120)
        draw.rounded_rectangle(box, radius=12, fill=(149, 236, 105) if mine else "white")
        draw.text((60, y + 58), text[:20], font=text_font, fill="black")
        y += 150
    buffer = io.BytesIO()
    im.save(buffer, "PNG")
    return ContentFile(buffer.getvalue(), name="微信聊天截图.png")


def call_recording(seconds: float = 3.0) -> ContentFile:
    """A ringing-tone WAV: stands in for a recorded collection call."""
    rate = 8000
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        frames = bytearray()
        for i in range(int(rate * seconds)):
            on = (i // (rate // 2)) % 2 == 0
            value = int(8000 * math.sin(2 * math.pi * 425 * i / rate)) if on else 0
            frames += value.to_bytes(2, "little", signed=True)
        out.writeframes(bytes(frames))
    return ContentFile(buffer.getvalue(), name="催收电话录音.wav")
