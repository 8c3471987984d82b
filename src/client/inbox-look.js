/** Words and styles of <herald-inbox> (./herald-inbox.js), in English and Russian. */

export const STRINGS = {
  en: {
    title: "Notifications",
    notifications: "Notifications",
    preferences: "Preferences",
    bell: "Notifications",
    bellUnread: "Notifications, {n} unread",
    markAllRead: "Mark all as read",
    markedRead: "Marked {n} as read",
    empty: "No notifications yet.",
    more: "Load older",
    loading: "Loading…",
    offline: "Offline. Reconnecting…",
    failed: "That did not work. Try again.",
    unread: "unread",
    archive: "Archive: {title}",
    archiveShort: "Archive",
    archived: "Archived",
    arrived: "New: {title}",
    now: "now",
    prefsNote: "Choose how we may reach you. Order and account messages always come through.",
    channels: "Channels",
    categories: "Topics",
    saved: "Saved",
    "channels.email": "Email",
    "channels.sms": "SMS",
    "channels.push": "Browser notifications",
    "channels.mattermost": "Mattermost",
    "categories.broadcasts": "News and offers",
  },
  ru: {
    title: "Уведомления",
    notifications: "Уведомления",
    preferences: "Настройки",
    bell: "Уведомления",
    bellUnread: "Уведомления, непрочитанных: {n}",
    markAllRead: "Прочитать все",
    markedRead: "Прочитано: {n}",
    empty: "Уведомлений пока нет.",
    more: "Показать ещё",
    loading: "Загрузка…",
    offline: "Нет связи. Переподключаемся…",
    failed: "Не получилось. Попробуйте ещё раз.",
    unread: "не прочитано",
    archive: "В архив: {title}",
    archiveShort: "В архив",
    archived: "Перенесено в архив",
    arrived: "Новое: {title}",
    now: "сейчас",
    prefsNote: "Выберите, как с вами связываться. Сообщения о заказах и аккаунте приходят всегда.",
    channels: "Каналы",
    categories: "Темы",
    saved: "Сохранено",
    "channels.email": "Электронная почта",
    "channels.sms": "SMS",
    "channels.push": "Уведомления браузера",
    "channels.mattermost": "Mattermost",
    "categories.broadcasts": "Новости и акции",
  },
};

/**
 * Every colour and size is a custom property with a default, so a page themes the element
 * from outside (`herald-inbox { --herald-accent: #7c3aed }`). The defaults keep a 4.5:1
 * contrast for text (WCAG AA), which the browser test checks with axe.
 */
export const STYLE = `
:host { position: relative; display: inline-block; font: var(--herald-font, 14px/1.4 system-ui, sans-serif); color: var(--herald-fg, #1f2328); }
button { font: inherit; color: inherit; cursor: pointer; }
button:focus-visible, input:focus-visible { outline: 2px solid var(--herald-accent, #0a58ca); outline-offset: 2px; }
.bell { position: relative; display: grid; place-items: center; width: 40px; height: 40px; border: 0; border-radius: 50%; background: var(--herald-bell-bg, transparent); color: var(--herald-bell-fg, currentColor); }
.bell:hover { background: var(--herald-hover, #eef1f4); }
.bell svg { width: 24px; height: 24px; }
.badge { position: absolute; top: 2px; right: 0; min-width: 18px; height: 18px; padding: 0 5px; box-sizing: border-box; border-radius: 9px; background: var(--herald-badge-bg, #c4122f); color: var(--herald-badge-fg, #fff); font-size: 11px; font-weight: 700; line-height: 18px; text-align: center; }
.panel { position: absolute; z-index: var(--herald-z, 1000); top: calc(100% + 6px); right: 0; width: var(--herald-width, 360px); max-width: calc(100vw - 16px); max-height: var(--herald-max-height, 480px); display: flex; flex-direction: column; box-sizing: border-box; background: var(--herald-bg, #fff); border: 1px solid var(--herald-border, #d0d7de); border-radius: var(--herald-radius, 10px); box-shadow: var(--herald-shadow, 0 8px 24px rgba(0, 0, 0, .16)); overflow: hidden; }
.panel[hidden], [hidden] { display: none !important; }
.head { border-bottom: 1px solid var(--herald-border, #d0d7de); }
[role=tablist] { display: flex; }
[role=tab] { flex: 1; padding: 10px; outline-offset: -3px !important; border: 0; border-bottom: 2px solid transparent; background: none; font-weight: 600; color: var(--herald-muted, #57606a); }
[role=tab][aria-selected=true] { color: var(--herald-fg, #1f2328); border-bottom-color: var(--herald-accent, #0a58ca); }
[role=tabpanel] { overflow: auto; flex: 1; }
.status { margin: 0; padding: 6px 12px; font-size: 13px; background: var(--herald-status-bg, #fff8c5); color: var(--herald-fg, #1f2328); }
.tools { position: sticky; top: 0; z-index: 1; display: flex; justify-content: flex-end; padding: 4px 8px; background: var(--herald-bg, #fff); }
.link { border: 0; background: none; padding: 6px 4px; color: var(--herald-accent, #0a58ca); font-weight: 600; }
.link:disabled { color: var(--herald-muted, #57606a); cursor: default; }
.items { list-style: none; margin: 0; padding: 0; }
.item { position: relative; border-top: 1px solid var(--herald-border, #d0d7de); }
.item.unread { background: var(--herald-unread-bg, #eef5ff); }
.open { display: flex; gap: 10px; width: 100%; padding: 10px 40px 10px 12px; border: 0; background: none; text-align: left; }
.dot { flex: none; width: 8px; height: 8px; margin-top: 6px; border-radius: 50%; }
.unread .dot { background: var(--herald-accent, #0a58ca); }
.text { display: grid; gap: 2px; min-width: 0; }
.body { overflow-wrap: anywhere; }
time, .muted { color: var(--herald-muted, #57606a); font-size: 12px; }
.actions { display: flex; flex-wrap: wrap; gap: 6px; padding: 0 12px 10px 30px; }
.action { padding: 4px 10px; border: 1px solid var(--herald-border, #d0d7de); border-radius: 6px; background: var(--herald-bg, #fff); color: var(--herald-accent, #0a58ca); font-weight: 600; }
.archive { position: absolute; top: 6px; right: 6px; width: 28px; height: 28px; border: 0; border-radius: 50%; background: none; color: var(--herald-muted, #57606a); font-size: 18px; line-height: 1; }
.archive:hover, .action:hover { background: var(--herald-hover, #eef1f4); }
.empty { margin: 0; padding: 24px 12px; text-align: center; color: var(--herald-muted, #57606a); }
.more { display: block; margin: 6px auto 10px; }
.sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }
#prefs-panel { padding: 4px 12px 12px; }
fieldset { border: 0; margin: 8px 0 0; padding: 0; }
legend { padding: 0; margin-bottom: 4px; font-weight: 600; }
.switch { display: flex; align-items: center; gap: 10px; padding: 6px 0; }
.switch input { appearance: none; flex: none; position: relative; width: 34px; height: 20px; margin: 0; border-radius: 10px; background: var(--herald-switch-off, #6e7781); cursor: pointer; }
.switch input::after { content: ""; position: absolute; top: 2px; left: 2px; width: 16px; height: 16px; border-radius: 50%; background: #fff; transition: left .15s; }
.switch input:checked { background: var(--herald-accent, #0a58ca); }
.switch input:checked::after { left: 16px; }
.switch input:disabled { opacity: .6; }
`;
