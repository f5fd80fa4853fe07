/**
 * English, the fallback language, in Fluent syntax (https://projectfluent.org/fluent/guide/).
 * Catalogues are TypeScript strings so they ship inside the compiled JS, with no asset copying.
 */
export default `
language-name = English

## Bot texts

welcome =
    Welcome, { $name }! I keep your messages and a small profile.
    Tap a button below or send /help.
welcome-name-fallback = there
help =
    Commands:
    /start - register and show the menu
    /me - your profile
    /settings - your language and name
    /help - this list
    Anything else you send is saved.
saved = Saved.
received = Received.
unknown-command = Unknown command. Send /help for the list.
no-profile = No profile yet: send /start first.
button-expired = This button has expired.
profile =
    Profile of { $name }
    Messages: { $messages }
    First seen: { $firstSeen }
    Last seen: { $lastSeen }
profile-with-username =
    Profile of { $name } (@{ $username })
    Messages: { $messages }
    First seen: { $firstSeen }
    Last seen: { $lastSeen }
profile-name-fallback = you

## Menu and language picker

menu-profile = Profile
menu-help = Help
menu-language = Language
language-prompt = Choose your language:
language-chosen = Language set to English.

## /settings wizard

settings-language-prompt = Settings, step 1 of 2: choose your language.
settings-language-retry = Choose a language with the buttons, or send /cancel.
settings-name-prompt = Step 2 of 2: send the name I should call you (up to { $max } characters).
settings-name-retry = Send the name as a text message, or /cancel.
settings-name-empty = That name is empty. Send another one, or /cancel.
settings-name-too-long = That name is longer than { $max } characters. Send a shorter one, or /cancel.
settings-saved = Saved. I will call you { $name }.
settings-cancel = Cancel
settings-cancelled = Settings unchanged.

## Admin tools

admin-only = Sorry, this command is for the bot administrators.
stats =
    Users: { $users } (active { $activeUsers }, blocked { $blockedUsers })
    Messages: { $messages }
    Cache hit ratio: { $cacheHitRatio }
    Rate limited: { $rateLimited }
    Pending writes: { $pendingWrites }
    Outbound queue: { $outboundQueued }
stats-hit-ratio = { $percent }%
stats-hit-ratio-none = n/a
broadcast-usage = Usage: /broadcast <text>
broadcast-busy = A broadcast is already running or paused. Send /broadcast_cancel to stop it first.
broadcast-status =
    { $headline }
    { $recipients }
    Sent: { $sent }, blocked the bot: { $blocked }, failed: { $failed }, unconfirmed: { $inDoubt }
broadcast-recipients =
    { $count ->
        [one] To { $count } user.
       *[other] To { $count } users.
    }
broadcast-status-running = Broadcast in progress: { $percent }%
broadcast-status-paused = Broadcast paused at { $percent }%. Send /broadcast_resume to continue.
broadcast-status-cancelled = Broadcast cancelled at { $percent }%.
broadcast-status-done = Broadcast finished: { $percent }%.
broadcast-paused = Broadcast paused.
broadcast-resumed = Broadcast resumed.
broadcast-cancelled = Broadcast cancelled.
broadcast-none-running = No broadcast is running.
broadcast-none-paused = No broadcast is paused.
broadcast-none-active = No broadcast is running or paused.

## Command menu (setMyCommands descriptions)

command-start = Register and show the menu
command-help = List the commands
command-me = Your profile
command-settings = Your language and name
command-stats = Bot statistics (admins)
command-broadcast = Send a message to every user (admins)
command-broadcast-pause = Pause the running broadcast (admins)
command-broadcast-resume = Resume the paused broadcast (admins)
command-broadcast-cancel = Cancel the broadcast (admins)

## Texts sent by the service around the handlers

failure = Sorry, something went wrong on our side. Please try again in a moment.
rate-limited = Slow down: try again in { $retryAfter } s
`;
