"""The page's side of the emulator: the chats as the page draws them (long-polled), the
visitor's actions, and the pictures. The page itself is static HTML, CSS and JavaScript."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aiohttp import web

from demo import pictures, tour
from demo.state import State, Stored
from demo.visitor import Visitor, VisitorError
from demo.world import RTL_LANGUAGES

STATIC = Path(__file__).resolve().parent / "static"
LONG_POLL = 20.0
SNIPPET = 80


def _name(user: dict[str, Any]) -> str:
    return " ".join(p for p in (user.get("first_name"), user.get("last_name")) if p)


def _service(data: dict[str, Any]) -> str | None:
    """The grey line a Telegram client shows for a service message."""
    if "forum_topic_created" in data:
        return f"Topic “{data['forum_topic_created']['name']}” created"
    if "forum_topic_edited" in data:
        return f"Topic renamed to “{data['forum_topic_edited'].get('name', '')}”"
    if "forum_topic_closed" in data:
        return "Topic closed"
    if "forum_topic_reopened" in data:
        return "Topic reopened"
    if "pinned_message" in data:
        pinned = data["pinned_message"]
        words = str(pinned.get("text") or pinned.get("caption") or "a message")
        return f"{_name(data['from'])} pinned “{words[:SNIPPET]}”"
    return None


def _photo_url(photo: list[dict[str, Any]]) -> str:
    return f"/demo/photo/{photo[-1]['file_id']}"


def message_view(stored: Stored) -> dict[str, Any]:
    data = stored.data
    view: dict[str, Any] = {
        "id": data["message_id"],
        "rev": stored.rev,
        "seq": stored.seq,
        "thread": data.get("message_thread_id"),
        "from": {
            "id": data["from"]["id"],
            "name": _name(data["from"]),
            "bot": data["from"].get("is_bot", False),
        },
        "date": data["date"],
        "edited": "edit_date" in data,
        "deleted": stored.deleted,
        "reactions": stored.reactions,
        "service": _service(data),
    }
    for key in ("text", "entities", "caption", "caption_entities", "location", "contact"):
        if key in data:
            view[key] = data[key]
    if "photo" in data:
        view["photo"] = _photo_url(data["photo"])
    if "media_group_id" in data:
        view["album"] = data["media_group_id"]
    if "document" in data:
        view["document"] = data["document"].get("file_name", "file")
    if "venue" in data:
        view["venue"] = data["venue"]["title"]
    other = {"video", "voice", "audio", "animation", "sticker", "video_note"} & set(data)
    if other:
        view["media"] = sorted(other)[0]
    reply = data.get("reply_to_message")
    if reply is not None and "forum_topic_created" not in reply:
        words = str(
            reply.get("text") or reply.get("caption") or ("📷 Photo" if "photo" in reply else "…")
        )
        view["reply"] = {
            "id": reply["message_id"],
            "from": _name(reply["from"]),
            "text": words[:SNIPPET],
        }
    markup = data.get("reply_markup", {}).get("inline_keyboard")
    if markup:
        view["buttons"] = [
            [{"text": b["text"], "url": b.get("url")} for b in row] for row in markup
        ]
    return view


def chat_view(state: State, chat_id: int) -> dict[str, Any]:
    rows = state.messages.get(chat_id, {})
    topics = state.topics.get(chat_id, {})
    keyboard = state.keyboards.get(chat_id)
    return {
        "messages": [message_view(s) for s in rows.values() if not s.deleted],
        "topics": [
            {
                "id": t.thread_id,
                "name": t.name,
                "color": t.icon_color,
                "closed": t.closed,
                "activity": t.last_activity,
            }
            for t in topics.values()
            if not t.deleted
        ],
        "keyboard": [
            [{"text": b["text"], "location": bool(b.get("request_location"))} for b in row]
            for row in keyboard["keyboard"]
        ]
        if keyboard
        else None,
        "pinned": state.pinned.get(chat_id, []),
    }


def world_view(state: State) -> dict[str, Any]:
    world = state.world
    return {
        "bot": world.bot_user(),
        "residents": [
            {
                "id": p.id,
                "name": " ".join(x for x in (p.first_name, p.last_name) if x),
                "language": p.language_code,
                "note": p.note,
                "rtl": p.language_code in RTL_LANGUAGES,
            }
            for p in world.residents()
        ],
        "groups": [
            {
                "id": g.id,
                "title": g.title,
                "kind": g.kind,
                "forum": g.is_forum,
                "members": [
                    {
                        "id": m,
                        "name": " ".join(
                            x for x in (world.people[m].first_name, world.people[m].last_name) if x
                        ),
                    }
                    for m in g.members
                ],
            }
            for g in world.groups.values()
        ],
        "pictures": [
            {"name": p.name, "label": p.label, "url": f"/demo/photo/{p.file_ids()[1]}"}
            for p in pictures.CATALOGUE
        ],
        "places": [{"label": p.label} for p in world.places],
    }


class Page:
    def __init__(self, state: State, visitor: Visitor) -> None:
        self.state = state
        self.visitor = visitor
        self._tour: tuple[int, list[dict[str, Any]]] = (-1, [])

    def routes(self, app: web.Application) -> None:
        app.router.add_get("/", self.index)
        app.router.add_get("/demo/api/world", self.world)
        app.router.add_get("/demo/api/state", self.updates)
        app.router.add_post("/demo/api/action", self.action)
        app.router.add_get("/demo/photo/{file_id}", self.photo)
        app.router.add_static("/static/", STATIC, show_index=False)

    async def index(self, request: web.Request) -> web.FileResponse:
        return web.FileResponse(STATIC / "index.html")

    async def world(self, request: web.Request) -> web.Response:
        return web.json_response(world_view(self.state))

    def tour(self) -> list[dict[str, Any]]:
        if self._tour[0] != self.state.version:
            self._tour = (self.state.version, tour.progress(self.state))
        return self._tour[1]

    async def updates(self, request: web.Request) -> web.Response:
        """Chats changed since `since` (all of them for 0), once something has changed."""
        since = int(request.query.get("since", "0"))
        if since > 0:
            await self.state.wait_for_change(since, LONG_POLL)
        chats = {
            str(chat_id): chat_view(self.state, chat_id)
            for chat_id in {*self.state.world.people, *self.state.world.groups}
            if self.state.chat_versions.get(chat_id, 0) > since or since == 0
        }
        return web.json_response(
            {
                "version": self.state.version,
                "chats": chats,
                "blocked": sorted(self.state.blocked),
                "tour": self.tour(),
                "notices": [
                    {"id": n.id, "user": n.user_id, "text": n.text, "alert": n.alert}
                    for n in self.state.notices[-20:]
                ],
            }
        )

    async def action(self, request: web.Request) -> web.Response:
        body = await request.json()
        try:
            self._act(body)
        except VisitorError as exc:
            return web.json_response({"ok": False, "error": str(exc)})
        except (KeyError, TypeError, ValueError):
            return web.json_response({"ok": False, "error": "That did not work."}, status=400)
        return web.json_response({"ok": True})

    def _act(self, body: dict[str, Any]) -> None:
        kind = body["type"]
        user, chat = int(body["as"]), int(body.get("chat", 0))
        thread = int(body["thread"]) if body.get("thread") else None
        visitor = self.visitor
        if kind == "text":
            visitor.send_text(user, chat, str(body["text"]), thread, body.get("reply_to"))
        elif kind == "pictures":
            visitor.send_pictures(
                user, chat, list(body["names"]), str(body.get("caption", "")), thread
            )
        elif kind == "location":
            visitor.send_location(user, chat, int(body["place"]), thread)
        elif kind == "press":
            visitor.press_inline(
                user, chat, int(body["message"]), int(body["row"]), int(body["column"])
            )
        elif kind == "key":
            visitor.press_key(
                user, chat, int(body["row"]), int(body["column"]), int(body.get("place", 0))
            )
        elif kind == "edit":
            visitor.edit_text(user, chat, int(body["message"]), str(body["text"]))
        elif kind == "block":
            visitor.set_blocked(user, bool(body["blocked"]))
        else:
            raise VisitorError("Unknown action.")

    async def photo(self, request: web.Request) -> web.StreamResponse:
        known = self.state.files.get(request.match_info["file_id"])
        if known is None or known["kind"] != "photo":
            raise web.HTTPNotFound()
        return web.FileResponse(STATIC / "pictures" / Path(known["path"]).name)
