/** Russian, in Fluent syntax; the same message ids and variables as en.ts (see i18n.catalogue.spec.ts). */
export default `
language-name = Русский

## Bot texts

welcome =
    Добро пожаловать, { $name }! Я сохраняю ваши сообщения и небольшой профиль.
    Нажмите кнопку ниже или отправьте /help.
welcome-name-fallback = друг
help =
    Команды:
    /start - регистрация и меню
    /me - ваш профиль
    /settings - язык и имя
    /help - этот список
    Всё остальное, что вы отправите, будет сохранено.
saved = Сохранено.
received = Получено.
unknown-command = Неизвестная команда. Отправьте /help, чтобы увидеть список.
no-profile = Профиля пока нет: сначала отправьте /start.
button-expired = Эта кнопка устарела.
profile =
    Профиль: { $name }
    Сообщений: { $messages }
    Впервые: { $firstSeen }
    Последний раз: { $lastSeen }
profile-with-username =
    Профиль: { $name } (@{ $username })
    Сообщений: { $messages }
    Впервые: { $firstSeen }
    Последний раз: { $lastSeen }
profile-name-fallback = вы

## Menu and language picker

menu-profile = Профиль
menu-help = Помощь
menu-language = Язык
language-prompt = Выберите язык:
language-chosen = Язык переключён на русский.

## /settings wizard

settings-language-prompt = Настройки, шаг 1 из 2: выберите язык.
settings-language-retry = Выберите язык кнопками или отправьте /cancel.
settings-name-prompt = Шаг 2 из 2: отправьте имя, которым мне вас называть (до { $max } символов).
settings-name-retry = Отправьте имя текстовым сообщением или /cancel.
settings-name-empty = Имя пустое. Отправьте другое или /cancel.
settings-name-too-long = Имя длиннее { $max } символов. Отправьте покороче или /cancel.
settings-saved = Сохранено. Буду называть вас { $name }.
settings-cancel = Отмена
settings-cancelled = Настройки не изменены.

## Admin tools

admin-only = Извините, эта команда только для администраторов бота.
stats =
    Пользователей: { $users } (активных { $activeUsers }, заблокировали { $blockedUsers })
    Сообщений: { $messages }
    Попаданий в кэш: { $cacheHitRatio }
    Ограничено: { $rateLimited }
    Ожидают записи: { $pendingWrites }
    Очередь отправки: { $outboundQueued }
stats-hit-ratio = { $percent } %
stats-hit-ratio-none = н/д
broadcast-usage = Использование: /broadcast <текст>
broadcast-busy = Рассылка уже идёт или приостановлена. Сначала остановите её командой /broadcast_cancel.
broadcast-status =
    { $headline }
    { $recipients }
    Отправлено: { $sent }, заблокировали бота: { $blocked }, ошибок: { $failed }, не подтверждено: { $inDoubt }
broadcast-recipients =
    { $count ->
        [one] Для { $count } пользователя.
       *[other] Для { $count } пользователей.
    }
broadcast-status-running = Рассылка идёт: { $percent } %
broadcast-status-paused = Рассылка приостановлена на { $percent } %. Продолжить: /broadcast_resume.
broadcast-status-cancelled = Рассылка отменена на { $percent } %.
broadcast-status-done = Рассылка завершена: { $percent } %.
broadcast-paused = Рассылка приостановлена.
broadcast-resumed = Рассылка продолжена.
broadcast-cancelled = Рассылка отменена.
broadcast-none-running = Сейчас нет идущей рассылки.
broadcast-none-paused = Нет приостановленной рассылки.
broadcast-none-active = Нет идущей или приостановленной рассылки.

## Command menu (setMyCommands descriptions)

command-start = Регистрация и меню
command-help = Список команд
command-me = Ваш профиль
command-settings = Язык и имя
command-stats = Статистика бота (для администраторов)
command-broadcast = Сообщение всем пользователям (для администраторов)
command-broadcast-pause = Приостановить рассылку (для администраторов)
command-broadcast-resume = Продолжить рассылку (для администраторов)
command-broadcast-cancel = Отменить рассылку (для администраторов)

## Texts sent by the service around the handlers

failure = Извините, у нас что-то пошло не так. Попробуйте ещё раз чуть позже.
rate-limited = Не так быстро: попробуйте снова через { $retryAfter } с
`;
