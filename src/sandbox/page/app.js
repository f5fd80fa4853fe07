// The sandbox chat page: plain DOM, every text set through textContent (never innerHTML), live
// updates from the emulator's server-sent events, the JSON API for everything a user does.
'use strict';

const $ = (id) => document.getElementById(id);
const api = async (path, body) => {
  const res = await fetch(`/sandbox/api/${path}`, {
    method: body ? 'POST' : 'GET',
    headers: body ? { 'content-type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  const data = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(data.error || `HTTP ${res.status}`);
  return data;
};

const state = {
  bot: null,
  adminId: 0,
  group: null,
  users: new Map(),
  userId: 0,
  chatId: 0,
  unread: new Map(),
  commands: [],
  /** Callback queries waiting for the bot's answer: id -> button. */
  pressed: new Map(),
};

const userName = (u) => (u ? [u.first_name, u.last_name].filter(Boolean).join(' ') : '');
const chatsOf = (userId) => [
  { id: userId, title: `Private chat with ${userName(state.bot)}` },
  { id: state.group.id, title: state.group.title },
];

async function init() {
  const s = await api('state');
  state.bot = s.bot;
  state.adminId = s.adminId;
  state.group = s.group;
  for (const u of s.users) state.users.set(u.id, u);
  $('bot-name').textContent = `${userName(s.bot)} (@${s.bot.username})`;
  renderUsers();
  // Start as an ordinary user; the admin is one switch away.
  const first = s.users.find((u) => u.id !== s.adminId) || s.users[0];
  await selectUser(first.id);
  connectEvents();
  pollFigures();
}

function renderUsers() {
  const select = $('user');
  select.replaceChildren(
    ...[...state.users.values()].map((u) => {
      const option = document.createElement('option');
      option.value = String(u.id);
      option.textContent = `${userName(u)}${u.id === state.adminId ? ' (admin)' : ''}`;
      return option;
    }),
  );
  select.value = String(state.userId || '');
}

async function selectUser(userId) {
  state.userId = userId;
  $('user').value = String(userId);
  state.unread.clear();
  await openChat(userId);
}

function renderChats() {
  $('chats').replaceChildren(
    ...chatsOf(state.userId).map((chat) => {
      const li = document.createElement('li');
      const button = document.createElement('button');
      button.type = 'button';
      button.textContent = chat.title;
      button.setAttribute('aria-current', String(chat.id === state.chatId));
      const count = state.unread.get(chat.id);
      if (count) {
        const badge = document.createElement('span');
        badge.className = 'unread';
        badge.textContent = String(count);
        badge.setAttribute('aria-label', `${count} unread`);
        button.append(badge);
      }
      button.addEventListener('click', () => void openChat(chat.id));
      li.append(button);
      return li;
    }),
  );
}

async function openChat(chatId) {
  state.chatId = chatId;
  state.unread.delete(chatId);
  const chat = chatsOf(state.userId).find((c) => c.id === chatId);
  $('chat-title').textContent = chat ? chat.title : 'Chat';
  renderChats();
  const { messages } = await api(`chats/${chatId}/messages`);
  if (state.chatId !== chatId) return;
  $('messages').replaceChildren(...messages.map(renderMessage));
  scrollToEnd();
  await loadCommands();
  $('text').focus();
}

async function loadCommands() {
  const { commands } = await api(`chats/${state.chatId}/commands?userId=${state.userId}`);
  state.commands = commands;
  $('menu-button').hidden = commands.length === 0;
  renderMenu('');
}

function renderMessage(message) {
  const li = document.createElement('li');
  li.className = 'message';
  li.dataset.messageId = String(message.message_id);
  const fromBot = message.from && message.from.id === state.bot.id;
  if (!fromBot && message.from && message.from.id === state.userId) li.classList.add('own');
  const sender = document.createElement('div');
  sender.className = 'sender';
  sender.textContent = fromBot ? userName(state.bot) : userName(message.from);
  const text = document.createElement('div');
  text.className = 'text';
  text.append(renderText(message.text || '', message.entities || []));
  li.append(sender, text);
  if (message.reply_markup) li.append(renderKeyboard(message));
  const meta = document.createElement('div');
  meta.className = 'meta';
  const time = new Date(message.date * 1000).toLocaleTimeString();
  meta.textContent = message.edit_date ? `${time} · edited` : time;
  li.append(meta);
  return li;
}

/** Text with Telegram's entities as nested elements, split at every entity boundary. */
function renderText(text, entities) {
  const fragment = document.createDocumentFragment();
  const cuts = [
    ...new Set([0, text.length, ...entities.flatMap((e) => [e.offset, e.offset + e.length])]),
  ]
    .filter((c) => c >= 0 && c <= text.length)
    .sort((a, b) => a - b);
  for (let i = 0; i + 1 < cuts.length; i++) {
    const [from, to] = [cuts[i], cuts[i + 1]];
    let node = document.createTextNode(text.slice(from, to));
    const covering = entities
      .filter((e) => e.offset <= from && e.offset + e.length >= to)
      .sort((a, b) => a.length - b.length);
    for (const entity of covering) {
      const element = elementFor(entity, text.slice(entity.offset, entity.offset + entity.length));
      element.append(node);
      node = element;
    }
    fragment.append(node);
  }
  return fragment;
}

const TAGS = {
  bold: 'strong',
  italic: 'em',
  underline: 'u',
  strikethrough: 's',
  code: 'code',
  pre: 'pre',
  blockquote: 'blockquote',
  expandable_blockquote: 'blockquote',
};

function elementFor(entity, whole) {
  if (TAGS[entity.type]) return document.createElement(TAGS[entity.type]);
  const href = entity.type === 'text_link' ? entity.url : entity.type === 'url' ? whole : null;
  if (href && /^https?:\/\//i.test(href)) {
    const a = document.createElement('a');
    a.href = href;
    a.target = '_blank';
    a.rel = 'noopener noreferrer';
    return a;
  }
  const span = document.createElement('span');
  if (entity.type === 'spoiler') {
    span.className = 'spoiler';
    span.tabIndex = 0;
    span.setAttribute('role', 'button');
    span.setAttribute('aria-label', 'Spoiler, activate to reveal');
    const reveal = () => {
      span.classList.add('revealed');
      span.removeAttribute('role');
      span.removeAttribute('aria-label');
    };
    span.addEventListener('click', reveal);
    span.addEventListener('keydown', (e) => (e.key === 'Enter' || e.key === ' ') && reveal());
  }
  return span;
}

function renderKeyboard(message) {
  const box = document.createElement('div');
  box.className = 'keyboard';
  box.setAttribute('role', 'group');
  box.setAttribute('aria-label', 'Message buttons');
  for (const row of message.reply_markup.inline_keyboard) {
    const line = document.createElement('div');
    line.className = 'buttons';
    for (const button of row) line.append(renderButton(message, button));
    box.append(line);
  }
  return box;
}

function renderButton(message, button) {
  if (button.url && /^https?:\/\//i.test(button.url)) {
    const a = document.createElement('a');
    a.href = button.url;
    a.target = '_blank';
    a.rel = 'noopener noreferrer';
    a.textContent = button.text;
    return a;
  }
  const element = document.createElement('button');
  element.type = 'button';
  element.textContent = button.text;
  if (button.callback_data === undefined) {
    element.disabled = true;
    element.title = 'The sandbox only presses callback buttons';
    return element;
  }
  element.addEventListener('click', async () => {
    element.setAttribute('aria-busy', 'true');
    try {
      const { callback_query_id } = await api(`users/${state.userId}/callbacks`, {
        chatId: message.chat.id,
        messageId: message.message_id,
        data: button.callback_data,
      });
      state.pressed.set(callback_query_id, element);
    } catch (error) {
      element.removeAttribute('aria-busy');
      toast(error.message);
    }
  });
  return element;
}

function applyMessage(event) {
  const list = $('messages');
  const existing = list.querySelector(`[data-message-id="${event.message.message_id}"]`);
  if (event.type === 'edit') {
    if (existing) existing.replaceWith(renderMessage(event.message));
    return;
  }
  if (existing) return;
  list.append(renderMessage(event.message));
  scrollToEnd();
}

function scrollToEnd() {
  const list = $('messages');
  list.scrollTop = list.scrollHeight;
}

function visibleTo(chatId) {
  return chatId === state.userId || chatId === state.group.id;
}

function connectEvents() {
  const source = new EventSource('/sandbox/api/events');
  let opened = false;
  source.addEventListener('open', () => {
    $('connection').textContent = 'Live';
    // After a reconnect, the history may have moved on without us.
    if (opened) void openChat(state.chatId);
    opened = true;
  });
  source.addEventListener('error', () => ($('connection').textContent = 'Reconnecting…'));
  const on = (type, handler) => source.addEventListener(type, (e) => handler(JSON.parse(e.data)));
  const onMessage = (event) => {
    if (event.chatId === state.chatId) return applyMessage(event);
    if (event.type === 'message' && visibleTo(event.chatId)) {
      state.unread.set(event.chatId, (state.unread.get(event.chatId) || 0) + 1);
      renderChats();
    }
  };
  on('message', (event) => {
    if (event.chatId === state.chatId && event.message.from.id === state.bot.id)
      $('typing').textContent = '';
    onMessage(event);
  });
  on('edit', onMessage);
  on('delete', (event) => {
    if (event.chatId !== state.chatId) return;
    for (const id of event.messageIds)
      $('messages').querySelector(`[data-message-id="${id}"]`)?.remove();
  });
  on('toast', (event) => {
    const button = state.pressed.get(event.callbackQueryId);
    state.pressed.delete(event.callbackQueryId);
    button?.removeAttribute('aria-busy');
    if (event.userId !== state.userId || !event.text) return;
    if (event.showAlert) {
      $('alert-text').textContent = event.text;
      $('alert').showModal();
    } else toast(event.text);
  });
  on('action', (event) => {
    if (event.chatId !== state.chatId) return;
    $('typing').textContent = `${userName(state.bot)} is ${event.action.replace(/_/g, ' ')}…`;
    clearTimeout(state.typingTimer);
    state.typingTimer = setTimeout(() => ($('typing').textContent = ''), 5000);
  });
  on('commands', () => void loadCommands());
  on('user', (event) => {
    state.users.set(event.user.id, event.user);
    renderUsers();
  });
}

let toastTimer;
function toast(text) {
  const box = $('toast');
  box.textContent = text;
  box.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => (box.hidden = true), 4000);
}

function renderMenu(filter) {
  const matches = state.commands.filter((c) => c.command.startsWith(filter));
  $('menu').replaceChildren(
    ...matches.map((c) => {
      const li = document.createElement('li');
      const button = document.createElement('button');
      button.type = 'button';
      button.textContent = `/${c.command} — ${c.description}`;
      button.addEventListener('click', () => {
        showMenu(false);
        void send(`/${c.command}`);
      });
      li.append(button);
      return li;
    }),
  );
  return matches.length;
}

function showMenu(open) {
  $('menu').hidden = !open;
  $('menu-button').setAttribute('aria-expanded', String(open));
}

async function send(text) {
  try {
    await api(`users/${state.userId}/messages`, { text, chatId: state.chatId });
  } catch (error) {
    toast(error.message);
  }
}

const FIGURES = [
  ['Updates handled', (f) => f.dispatcher.handled],
  ['Rate-limited messages', (f) => f.rateLimit.limitedTotal],
  ['"Slow down" notices', (f) => f.rateLimit.noticesSent],
  [
    'Cache hit ratio',
    (f) => (f.cache.hitRatio === null ? 'n/a' : `${Math.round(f.cache.hitRatio * 100)} %`),
  ],
  ['Rows waiting to be written', (f) => f.batch.pendingTotal],
  ['Rows written', (f) => f.batch.rowsWrittenTotal],
  ['Batch flushes', (f) => f.batch.flushes],
  ['Outbound queue (replies)', (f) => f.outbound.queued.interactive],
  ['Outbound queue (broadcast)', (f) => f.outbound.queued.broadcast],
  ['Messages sent', (f) => f.outbound.sent],
  ['429 answers from Telegram', (f) => f.outbound.rateLimited429],
  ['Long polls', (f) => f.polling.polls],
];

async function pollFigures() {
  if (!document.hidden) {
    try {
      const f = await api('app/bot-optimization');
      $('figures').replaceChildren(
        ...FIGURES.flatMap(([label, read]) => {
          const dt = document.createElement('dt');
          dt.textContent = label;
          const dd = document.createElement('dd');
          dd.textContent = String(read(f) ?? 0);
          return [dt, dd];
        }),
      );
      $('figures-status').textContent = '';
    } catch (error) {
      $('figures-status').textContent = `Figures unavailable: ${error.message}`;
    }
  }
  setTimeout(pollFigures, 2000);
}

$('user').addEventListener('change', (e) => void selectUser(Number(e.target.value)));
$('add-user').addEventListener('submit', async (e) => {
  e.preventDefault();
  const input = $('new-user');
  try {
    const user = await api('users', { firstName: input.value });
    state.users.set(user.id, user);
    renderUsers();
    input.value = '';
    await selectUser(user.id);
  } catch (error) {
    toast(error.message);
  }
});
$('composer').addEventListener('submit', (e) => {
  e.preventDefault();
  const input = $('text');
  const text = input.value;
  if (text.trim() === '') return;
  input.value = '';
  showMenu(false);
  void send(text);
});
$('text').addEventListener('input', (e) => {
  const value = e.target.value;
  const typingCommand = /^\/\w*$/.test(value);
  showMenu(typingCommand && renderMenu(value.slice(1)) > 0);
});
$('text').addEventListener('keydown', (e) => {
  if (e.key === 'Escape') showMenu(false);
});
$('menu-button').addEventListener('click', () => {
  const open = $('menu').hidden;
  renderMenu('');
  showMenu(open);
});

init().catch(
  (error) => ($('connection').textContent = `Could not load the sandbox: ${error.message}`),
);
