"""The composer of an anonymous resident's named files (`beatline.scrubbedFile`, see
bot.workflows.anonymous): when the courier sends one, it downloads the file, removes the camera
data of JPEG and PNG pictures (bot.domain.metadata), and uploads it under the case's reference."""

from __future__ import annotations

from collections.abc import Callable
from io import BytesIO
from typing import Any

from aiogram import Bot
from aiogram.exceptions import TelegramNetworkError
from aiogram.methods import (
    GetFile,
    SendAnimation,
    SendAudio,
    SendDocument,
    SendVideo,
    TelegramMethod,
)
from aiogram.types import BufferedInputFile, File, InputFile
from aiohttp import ClientError

from bot.domain.metadata import without_metadata
from bot.telegram.letters import Call, Sender, Where
from storage.models import OutboxMessage

Uploader = Callable[[int, int, InputFile, str | None], TelegramMethod[Any]]

UPLOADERS: dict[str, Uploader] = {
    "document": lambda c, t, f, cap: SendDocument(
        chat_id=c, message_thread_id=t, document=f, caption=cap
    ),
    "audio": lambda c, t, f, cap: SendAudio(chat_id=c, message_thread_id=t, audio=f, caption=cap),
    "video": lambda c, t, f, cap: SendVideo(chat_id=c, message_thread_id=t, video=f, caption=cap),
    "animation": lambda c, t, f, cap: SendAnimation(
        chat_id=c, message_thread_id=t, animation=f, caption=cap
    ),
}


class ScrubbedFiles:
    """The composer of `beatline.scrubbedFile`: download, clean, upload under a neutral name."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def __call__(self, row: OutboxMessage, where: Where | None, send: Sender) -> list[Call]:
        payload = row.payload
        if where is None:
            msg = "an anonymous file goes into its case's topic"
            raise ValueError(msg)
        file: File = await send(GetFile(file_id=payload["file_id"]))
        data = await self._download(file)
        upload = BufferedInputFile(without_metadata(data), filename=str(payload["name"]))
        uploader = UPLOADERS[str(payload["kind"])]
        return [Call(uploader(where.chat_id, where.thread_id, upload, payload.get("caption")))]

    async def _download(self, file: File) -> bytes:
        if file.file_path is None:
            msg = "Telegram gave no path for the file"
            raise TelegramNetworkError(GetFile(file_id=file.file_id), msg)
        buffer = BytesIO()
        try:
            await self.bot.download_file(file.file_path, destination=buffer)
        except (ClientError, TimeoutError) as exc:
            # Telegram's file server did not answer: the courier tries again later.
            raise TelegramNetworkError(GetFile(file_id=file.file_id), str(exc)) from exc
        return buffer.getvalue()
