// Beatline sandbox page: draws the emulator's chats and sends the visitor's actions back.
"use strict";

const state = { world: null, version: 0, chats: {}, blocked: [], tour: [], lastNotice: null };
const view = { resident: null, desk: null, coordinators: null, topic: {}, seen: {}, pending: new Set() };
const $ = (id) => document.getElementById(id);

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

async function getJSON(url) {
  const response = await fetch(url, { cache: "no-store" });
  if (!response.ok) throw new Error(`${url}: ${response.status}`);
  return response.json();
}

async function act(body) {
  let answer;
  try {
    const response = await fetch("/demo/api/action", {
      method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body),
    });
    answer = await response.json();
  } catch (error) {
    answer = { ok: false, error: "The demo is not answering. Is `make demo` still running?" };
  }
  if (!answer.ok) toast(answer.error || "That did not work.", true);
  return answer.ok;
}

function toast(text, error = false) {
  const node = el("div", { class: error ? "toast error" : "toast", role: "status" }, text);
  $("toasts").append(node);
  setTimeout(() => node.remove(), error ? 5000 : 3500);
}

// ---- text with Telegram entities (offsets are UTF-16, like JavaScript strings) -------------
const ENTITY_TAGS = { bold: "b", italic: "i", underline: "u", strikethrough: "s", code: "code", pre: "pre",
  blockquote: "blockquote", expandable_blockquote: "blockquote" };

function richText(text, entities = []) {
  const fragment = document.createDocumentFragment();
  const cuts = new Set([0, text.length]);
  for (const e of entities) { cuts.add(e.offset); cuts.add(e.offset + e.length); }
  const points = [...cuts].filter((p) => p >= 0 && p <= text.length).sort((a, b) => a - b);
  for (let i = 0; i < points.length - 1; i++) {
    const [start, end] = [points[i], points[i + 1]];
    let node = document.createTextNode(text.slice(start, end));
    const covering = entities.filter((e) => e.offset <= start && e.offset + e.length >= end)
      .sort((a, b) => a.length - b.length);
    for (const e of covering) {
      let wrapper;
      if (ENTITY_TAGS[e.type]) wrapper = el(ENTITY_TAGS[e.type]);
      else if (e.type === "text_link" || e.type === "url") {
        wrapper = el("a", { href: e.url || text.slice(e.offset, e.offset + e.length), target: "_blank", rel: "noopener" });
      } else if (e.type === "spoiler") {
        wrapper = el("span", { class: "spoiler", title: "Spoiler: click to show", onclick: (ev) => ev.currentTarget.classList.add("shown") });
      } else continue;
      wrapper.append(node);
      node = wrapper;
    }
    fragment.append(node);
  }
  return fragment;
}

// ---- messages -------------------------------------------------------------------------
function clock(seconds) {
  const d = new Date(seconds * 1000);
  return `${String(d.getHours()).padStart(2, "0")}:${String(d.getMinutes()).padStart(2, "0")}`;
}

function groupAlbums(messages) {
  const items = [];
  for (const m of messages) {
    const last = items[items.length - 1];
    if (m.album && last && last.album === m.album && last.from.id === m.from.id) last.parts.push(m);
    else items.push({ ...m, parts: [m] });
  }
  return items;
}

function messageNode(item, ctx) {
  if (item.service) {
    return el("div", { class: "service", "data-key": `s${item.id}:${item.rev}` }, item.service);
  }
  const own = item.from.id === ctx.me;
  const key = item.parts.map((p) => `${p.id}:${p.rev}`).join(",");
  const bubble = el("div", { class: "bubble" });
  if (!own && ctx.showSenders) {
    bubble.append(el("div", { class: item.from.bot ? "sender bot" : "sender" }, item.from.bot ? "Beatline" : item.from.name));
  }
  if (item.reply) {
    bubble.append(el("div", { class: "reply" }, el("b", {}, item.reply.from), item.reply.text));
  }
  const photos = item.parts.filter((p) => p.photo);
  if (photos.length > 1) {
    bubble.append(el("div", { class: "album" }, photos.map((p) => el("img", { class: "photo", src: p.photo, alt: "Photo" }))));
  } else if (photos.length === 1) {
    bubble.append(el("img", { class: "photo", src: photos[0].photo, alt: "Photo" }));
  }
  if (item.location) {
    bubble.append(el("div", { class: "map", role: "img", "aria-label": "Map with a pin" }),
      el("div", { class: "coords" }, `📍 ${item.venue ? item.venue + " · " : ""}${item.location.latitude.toFixed(5)}, ${item.location.longitude.toFixed(5)}`));
  }
  if (item.contact) bubble.append(el("div", { class: "body" }, `👤 ${item.contact.first_name} ${item.contact.phone_number}`));
  if (item.document) bubble.append(el("div", { class: "body" }, `📄 ${item.document}`));
  if (item.media) bubble.append(el("div", { class: "body muted" }, `🎞 ${item.media}`));
  const withWords = item.parts.find((p) => p.text || p.caption);
  const meta = el("span", { class: "meta" });
  if (own && withWords && !item.photo) {
    meta.append(el("button", { type: "button", title: "Edit", "aria-label": "Edit message", onclick: () => ctx.composer.startEdit(withWords) }, "✎"));
  }
  if (ctx.canReply) {
    meta.append(el("button", { type: "button", title: "Reply", "aria-label": "Reply to message", onclick: () => ctx.composer.startReply(item) }, "↩"));
  }
  meta.append(`${item.edited ? "edited " : ""}${clock(item.date)}`);
  if (withWords) {
    const words = withWords.text !== undefined ? richText(withWords.text, withWords.entities) : richText(withWords.caption, withWords.caption_entities);
    bubble.append(el("div", { class: "body", dir: "auto" }, words, meta));
  } else {
    bubble.append(el("div", { class: "body" }, meta));
  }
  const reactions = item.parts.flatMap((p) => p.reactions);
  if (reactions.length) bubble.append(el("div", { class: "reactions", "aria-label": "Reactions" }, reactions.map((r) => el("span", {}, r))));
  const node = el("div", { class: own ? "msg own" : "msg", "data-key": key, "data-message": item.id }, bubble);
  if (item.buttons) {
    node.append(el("div", { class: "inline-keyboard" }, item.buttons.map((row, r) => el("div", { class: "row" },
      row.map((b, c) => el("button", {
        type: "button",
        onclick: (ev) => {
          if (b.url) { window.open(b.url, "_blank", "noopener"); return; }
          const button = ev.currentTarget;
          button.disabled = true; // like Telegram's spinner, until the press has been delivered
          act({ type: "press", as: ctx.me, chat: ctx.chat, message: item.id, row: r, column: c })
            .finally(() => setTimeout(() => { button.disabled = false; }, 800));
        },
      }, b.url ? `${b.text} ↗` : b.text))))));
  }
  return node;
}

// A list that was scrolled to its end stays there while it grows or shrinks (pictures
// loading, a reply keyboard appearing below it).
const stickiness = new ResizeObserver((entries) => {
  for (const entry of entries) {
    const box = entry.target.closest(".messages");
    if (box && box.dataset.stick !== "false") box.scrollTop = box.scrollHeight;
  }
});

function watch(container) {
  if (container.dataset.watched) return;
  container.dataset.watched = "yes";
  container.addEventListener("scroll", () => {
    container.dataset.stick = String(container.scrollHeight - container.scrollTop - container.clientHeight < 80);
  });
  stickiness.observe(container);
}

function drawMessages(container, messages, ctx, emptyText) {
  watch(container);
  const nearBottom = container.dataset.stick !== "false";
  const items = groupAlbums(messages);
  const wanted = items.map((item) => messageNode(item, ctx));
  const existing = new Map([...container.children].map((node) => [node.dataset.key, node]));
  const ordered = wanted.map((node) => existing.get(node.dataset.key) || node);
  const fresh = ordered.filter((node) => !existing.has(node.dataset.key));
  const keep = new Set(ordered);
  for (const node of [...container.children]) if (!keep.has(node)) node.remove();
  ordered.forEach((node, index) => {
    if (container.children[index] !== node) container.insertBefore(node, container.children[index] || null);
  });
  if (!messages.length) container.replaceChildren(el("div", { class: "empty", dir: "ltr" }, emptyText));
  for (const node of fresh) stickiness.observe(node);
  if (nearBottom || fresh.length) {
    container.scrollTop = container.scrollHeight;
    container.dataset.stick = "true";
  }
  return fresh;
}

// ---- composer -------------------------------------------------------------------------
class Composer {
  constructor(wrap, context, options = {}) {
    this.wrap = wrap;
    this.context = context;
    wrap.append($("composer-template").content.cloneNode(true));
    this.form = wrap.querySelector(".composer");
    this.input = wrap.querySelector(".text");
    this.mode = null;
    this.modeBar = wrap.querySelector(".composer-mode");
    this.keyboard = wrap.querySelector(".reply-keyboard");
    this.menu = wrap.querySelector(".attach-menu");
    this.note = wrap.querySelector(".composer-note");
    this.attach = wrap.querySelector(".attach");
    this.chosen = [];
    this.input.placeholder = options.placeholder || "Write a message…";
    this.form.addEventListener("submit", (ev) => { ev.preventDefault(); this.submit(); });
    wrap.querySelector(".mode-cancel").addEventListener("click", () => this.setMode(null));
    this.attach.addEventListener("click", () => this.toggleMenu());
    wrap.addEventListener("keydown", (ev) => {
      if (ev.key === "Escape") { this.toggleMenu(false); this.setMode(null); this.input.focus(); }
    });
    this.buildMenu();
  }

  buildMenu() {
    const grid = this.menu.querySelector(".picture-grid");
    for (const picture of state.world.pictures) {
      grid.append(el("button", {
        type: "button", "aria-pressed": "false", title: picture.label, "aria-label": picture.label, "data-name": picture.name,
        onclick: (ev) => this.choose(picture.name, ev.currentTarget),
      }, el("img", { src: picture.url, alt: "" })));
    }
    this.sendButton = this.menu.querySelector(".send-pictures");
    this.sendButton.addEventListener("click", () => this.sendPictures());
    const places = this.menu.querySelector(".place-list");
    state.world.places.forEach((place, index) => {
      places.append(el("button", { type: "button", onclick: () => this.sendPlace(index) }, `📍 ${place.label}`));
    });
  }

  choose(name, button) {
    const at = this.chosen.indexOf(name);
    if (at >= 0) this.chosen.splice(at, 1); else this.chosen.push(name);
    for (const b of this.menu.querySelectorAll(".picture-grid button")) {
      const order = this.chosen.indexOf(b.dataset.name);
      b.setAttribute("aria-pressed", order >= 0 ? "true" : "false");
      b.dataset.order = order >= 0 ? String(order + 1) : "";
    }
    this.sendButton.disabled = !this.chosen.length;
    this.sendButton.textContent = this.chosen.length > 1 ? `Send album (${this.chosen.length})` : "Send photo";
    button.focus();
  }

  toggleMenu(open) {
    const show = open === undefined ? this.menu.hidden : open;
    this.menu.hidden = !show;
    this.attach.setAttribute("aria-expanded", String(show));
    if (show) this.menu.querySelector("button").focus();
  }

  setMode(mode) {
    this.mode = mode;
    this.modeBar.hidden = !mode;
    if (mode) {
      this.modeBar.querySelector(".mode-text").textContent = mode.kind === "edit" ? `✎ Editing: ${mode.text}` : `↩ Reply to: ${mode.text}`;
      if (mode.kind === "edit") this.input.value = mode.text;
      this.input.focus();
    }
  }

  startEdit(message) { this.setMode({ kind: "edit", id: message.id, text: message.text ?? message.caption ?? "" }); }
  startReply(message) { this.setMode({ kind: "reply", id: message.id, text: (message.text || message.caption || "📷").slice(0, 60) }); }

  async submit() {
    const ctx = this.context();
    const text = this.input.value;
    if (!text.trim() || !ctx) return;
    let ok;
    if (this.mode && this.mode.kind === "edit") {
      ok = await act({ type: "edit", as: ctx.as, chat: ctx.chat, message: this.mode.id, text });
    } else {
      ok = await act({ type: "text", as: ctx.as, chat: ctx.chat, thread: ctx.thread, text, reply_to: this.mode ? this.mode.id : null });
    }
    if (ok) { this.input.value = ""; this.setMode(null); }
  }

  async sendPictures() {
    const ctx = this.context();
    const caption = this.menu.querySelector(".caption").value;
    if (await act({ type: "pictures", as: ctx.as, chat: ctx.chat, thread: ctx.thread, names: this.chosen, caption })) {
      this.chosen = [];
      this.menu.querySelector(".caption").value = "";
      this.choose("", this.attach);
      this.toggleMenu(false);
      this.input.focus();
    }
  }

  async sendPlace(index) {
    const ctx = this.context();
    if (await act({ type: "location", as: ctx.as, chat: ctx.chat, thread: ctx.thread, place: index })) this.toggleMenu(false);
  }

  setKeyboard(rows) {
    const key = JSON.stringify(rows || null);
    if (this.keyboard.dataset.key === key) return;
    this.keyboard.dataset.key = key;
    this.keyboard.hidden = !rows;
    this.keyboard.replaceChildren(...(rows || []).map((row, r) => el("div", { class: "row" }, row.map((b, c) => el("button", {
      type: "button",
      onclick: () => {
        const ctx = this.context();
        if (b.location) { this.toggleMenu(true); this.menu.querySelector(".place-list button").focus(); return; }
        act({ type: "key", as: ctx.as, chat: ctx.chat, row: r, column: c });
      },
    }, b.text)))));
  }

  setBlocked(reason) {
    this.note.hidden = !reason;
    this.note.textContent = reason || "";
    this.form.hidden = Boolean(reason);
    if (reason) { this.keyboard.hidden = true; this.toggleMenu(false); }
  }
}

// ---- panes ----------------------------------------------------------------------------
function chat(id) { return state.chats[String(id)] || { messages: [], topics: [], keyboard: null, pinned: [] }; }
function group(id) { return state.world.groups.find((g) => g.id === id); }
function resident() { return state.world.residents.find((r) => r.id === view.resident); }

function drawResident() {
  const person = resident();
  const box = $("resident-messages");
  box.dir = person.rtl ? "rtl" : "ltr";
  $("resident-wrap").dir = person.rtl ? "rtl" : "ltr";
  const data = chat(person.id);
  const blocked = state.blocked.includes(person.id);
  $("block-toggle").checked = blocked;
  view.residentComposer.setKeyboard(blocked ? null : data.keyboard);
  drawMessages(box, data.messages, { me: person.id, chat: person.id, showSenders: false, canReply: true, composer: view.residentComposer },
    "No messages yet. Write /start to meet the bot.");
  view.residentComposer.setBlocked(blocked ? "You blocked Beatline. Untick “blocked the bot” to write again." : null);
}

function topicsOf(groupId) {
  return [...chat(groupId).topics].sort((a, b) => b.activity - a.activity);
}

function drawDesk() {
  const g = group(view.desk);
  const data = chat(g.id);
  const topics = topicsOf(g.id);
  let current = view.topic[g.id] ?? 0;
  if (current && !topics.some((t) => t.id === current)) current = view.topic[g.id] = 0;
  const nav = $("desk-topics");
  const counts = {};
  for (const m of data.messages) {
    const thread = m.thread || 0;
    if (m.seq > (view.seen[`${g.id}:${thread}`] || 0) && !m.service) counts[thread] = (counts[thread] || 0) + 1;
  }
  view.seen[`${g.id}:${current}`] = Math.max(0, ...data.messages.map((m) => m.seq));
  const entry = (id, name, color, closed) => el("button", {
    type: "button", "aria-current": id === current ? "true" : "false", "data-topic": id,
    onclick: () => { view.topic[g.id] = id; drawDesk(); $("desk-wrap").querySelector(".text").focus(); },
  }, el("span", { class: "dot", style: `background:#${color.toString(16).padStart(6, "0")}` }),
  el("span", { class: "name" }, name, closed ? el("span", { class: "lock", title: "closed" }, " 🔒") : null,
    id !== current && counts[id] ? el("b", { class: "muted small" }, ` · ${counts[id]} new`) : null));
  const entries = [entry(0, "General", 0x8e9aa6, false), ...topics.map((t) => entry(t.id, t.name, t.color, t.closed))];
  const navKey = JSON.stringify([current, topics, counts]);
  if (nav.dataset.key !== navKey) { nav.dataset.key = navKey; nav.replaceChildren(...entries); }
  const topic = topics.find((t) => t.id === current);
  $("desk-topic-title").textContent = topic ? topic.name : "General";
  const pinned = [...data.pinned].reverse().map((id) => data.messages.find((m) => m.id === id))
    .find((m) => m && (m.thread || 0) === current);
  $("desk-pinned").hidden = !pinned;
  $("desk-pinned").querySelector("span").textContent = pinned ? (pinned.text || pinned.caption || "📷").split("\n")[0] : "";
  const member = g.members[0];
  $("desk-as").textContent = `you are ${member.name} (${g.kind === "partner" ? "partner worker" : "officer"})`;
  const messages = data.messages.filter((m) => (m.thread || 0) === current || (!topic && m.thread && !topics.some((t) => t.id === m.thread)));
  drawMessages($("desk-messages"), messages, { me: member.id, chat: g.id, showSenders: true, canReply: true, composer: view.deskComposer },
    topic ? "No messages in this topic yet." : g.kind === "partner"
      ? "Referred cases get their own topic here once the resident agrees."
      : "Each report gets its own topic here. Send one as a resident.");
  view.deskComposer.setBlocked(topic && topic.closed ? "This topic is closed. Only administrators could write here; Beatline reopens it with /reopen." : null);
}

function drawCoordinators() {
  const g = group(view.coordinators);
  if (!g) return;
  $("coord-name").textContent = g.title;
  $("coord-as").textContent = `you are ${g.members[0].name} (coordinator)`;
  drawMessages($("coord-messages"), chat(g.id).messages, { me: g.members[0].id, chat: g.id, showSenders: true, canReply: true, composer: view.coordComposer },
    "Send /announce to compose an alert for residents.");
}

function drawTour() {
  const list = $("tour-list");
  const key = JSON.stringify(state.tour);
  if (list.dataset.key === key) return;
  list.dataset.key = key;
  list.replaceChildren(...state.tour.map((step, i) => el("li", { class: step.done ? "done" : "", "data-step": step.key, "data-done": String(step.done) },
    el("span", { class: "check", "aria-hidden": "true" }, step.done ? "✓" : String(i + 1)),
    el("strong", {}, step.title, el("span", { class: "visually-hidden" }, step.done ? " (done)" : "")),
    el("p", {}, step.hint))));
}

function showNotices(notices) {
  const acting = new Set([view.resident, ...state.world.groups.flatMap((g) => g.members.map((m) => m.id))]);
  const newest = Math.max(0, ...notices.map((n) => n.id));
  if (state.lastNotice === null) { state.lastNotice = newest; return; }
  for (const notice of notices) {
    if (notice.id <= state.lastNotice || !acting.has(notice.user)) continue;
    if (notice.alert) { $("alert-text").textContent = notice.text; $("alert-dialog").showModal(); } else toast(notice.text);
  }
  state.lastNotice = Math.max(state.lastNotice, newest);
}

function drawAll() { drawResident(); drawDesk(); drawCoordinators(); drawTour(); }

async function poll() {
  for (;;) {
    try {
      const update = await getJSON(`/demo/api/state?since=${state.version}`);
      Object.assign(state.chats, update.chats);
      state.version = update.version;
      state.blocked = update.blocked;
      state.tour = update.tour;
      drawAll();
      showNotices(update.notices);
    } catch (error) {
      await new Promise((resolve) => setTimeout(resolve, 1000)); // the demo is restarting
    }
  }
}

async function main() {
  state.world = await getJSON("/demo/api/world");
  const residentSelect = $("resident-select");
  for (const r of state.world.residents) residentSelect.append(el("option", { value: r.id }, `${r.name} · ${r.note}`));
  view.resident = state.world.residents[0].id;
  residentSelect.addEventListener("change", () => { view.resident = Number(residentSelect.value); view.residentComposer.setMode(null); drawResident(); });
  $("block-toggle").addEventListener("change", (ev) => act({ type: "block", as: view.resident, blocked: ev.currentTarget.checked }));
  const deskSelect = $("desk-select");
  for (const g of state.world.groups.filter((x) => x.forum)) {
    deskSelect.append(el("option", { value: g.id }, `${g.kind === "partner" ? "🤝" : "👮"} ${g.title}`));
  }
  view.desk = Number(deskSelect.value);
  deskSelect.addEventListener("change", () => { view.desk = Number(deskSelect.value); view.deskComposer.setMode(null); drawDesk(); });
  const coordinators = state.world.groups.find((g) => g.kind === "coordinators");
  view.coordinators = coordinators ? coordinators.id : null;
  view.residentComposer = new Composer($("resident-wrap"), () => ({ as: view.resident, chat: view.resident, thread: null }));
  view.deskComposer = new Composer($("desk-wrap"), () => {
    const g = group(view.desk);
    return { as: g.members[0].id, chat: g.id, thread: view.topic[g.id] || null };
  });
  view.coordComposer = new Composer($("coord-wrap"), () => ({ as: group(view.coordinators).members[0].id, chat: view.coordinators, thread: null }),
    { placeholder: "Message the coordinators…" });
  poll();
}

main();
