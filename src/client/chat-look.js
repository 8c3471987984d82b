/** Words and styles of <herald-chat> (./herald-chat.js), in English and Russian. */

export const STRINGS = {
  en: {
    title: "Conversation",
    message: "Message",
    send: "Send",
    typing: "{name} is typing…",
    someone: "Someone",
    you: "You",
    pending: "Waiting for the connection",
    sending: "Sending",
    sent: "Sent",
    delivered: "Delivered",
    read: "Read",
    failed: "Not sent",
    retry: "Retry",
    discard: "Remove",
    offline: "Offline. Messages you write are sent when the connection is back.",
    loading: "Loading…",
    empty: "No messages yet.",
    unread: "{n} unread",
    now: "now",
  },
  ru: {
    title: "Переписка",
    message: "Сообщение",
    send: "Отправить",
    typing: "{name} печатает…",
    someone: "Кто-то",
    you: "Вы",
    pending: "Ждёт связи",
    sending: "Отправляется",
    sent: "Отправлено",
    delivered: "Доставлено",
    read: "Прочитано",
    failed: "Не отправлено",
    retry: "Повторить",
    discard: "Удалить",
    offline: "Нет связи. Сообщения уйдут, когда она вернётся.",
    loading: "Загрузка…",
    empty: "Сообщений пока нет.",
    unread: "Непрочитанных: {n}",
    now: "сейчас",
  },
};

/** As <herald-inbox>: every colour is a `--herald-*` custom property with an AA-contrast default. */
export const STYLE = `
:host { display: flex; flex-direction: column; min-height: 240px; height: var(--herald-chat-height, 420px); font: var(--herald-font, 14px/1.4 system-ui, sans-serif); color: var(--herald-fg, #1f2328); background: var(--herald-bg, #fff); border: 1px solid var(--herald-border, #d0d7de); border-radius: var(--herald-radius, 10px); overflow: hidden; }
button, input { font: inherit; }
button:focus-visible, input:focus-visible { outline: 2px solid var(--herald-accent, #0a58ca); outline-offset: 2px; }
.status { margin: 0; padding: 6px 12px; font-size: 13px; background: var(--herald-status-bg, #fff8c5); }
[hidden] { display: none !important; }
.log { flex: 1; overflow-y: auto; }
.msgs { list-style: none; margin: 0; padding: 12px; display: flex; flex-direction: column; gap: 6px; }
.msg { max-width: 80%; padding: 6px 10px; border-radius: 12px; background: var(--herald-other-bg, #f0f2f5); align-self: flex-start; overflow-wrap: anywhere; }
.msg.own { align-self: flex-end; background: var(--herald-own-bg, #dbeafe); }
.msg.system { align-self: center; background: none; color: var(--herald-muted, #57606a); font-size: 13px; text-align: center; }
.who { display: block; font-size: 12px; font-weight: 600; color: var(--herald-accent, #0a58ca); }
.meta { display: block; text-align: right; font-size: 11px; color: var(--herald-muted, #57606a); }
.meta .tick.read { color: var(--herald-accent, #0a58ca); font-weight: 700; }
.meta .tick.failed, .meta .tick.pending { color: var(--herald-warn, #9a3412); font-weight: 600; }
.msg-actions { display: flex; gap: 6px; justify-content: flex-end; margin-top: 4px; }
.msg-actions button { padding: 2px 8px; border: 1px solid var(--herald-border, #d0d7de); border-radius: 6px; background: var(--herald-bg, #fff); color: var(--herald-fg, #1f2328); font-size: 12px; cursor: pointer; }
.typing { margin: 0; padding: 0 12px 4px; min-height: 20px; font-size: 13px; color: var(--herald-muted, #57606a); font-style: italic; }
form { display: flex; gap: 8px; padding: 10px; border-top: 1px solid var(--herald-border, #d0d7de); }
input { flex: 1; min-width: 0; padding: 8px 10px; border: 1px solid var(--herald-border, #d0d7de); border-radius: 8px; background: var(--herald-bg, #fff); color: var(--herald-fg, #1f2328); }
.sendb { padding: 8px 14px; border: 0; border-radius: 8px; background: var(--herald-accent, #0a58ca); color: var(--herald-accent-fg, #fff); font-weight: 600; cursor: pointer; }
.sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }
`;
