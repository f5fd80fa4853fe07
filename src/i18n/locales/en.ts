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
    Users: { $users }
    Messages: { $messages }
    Cache hit ratio: { $cacheHitRatio }
    Rate limited: { $rateLimited }
    Pending writes: { $pendingWrites }
    Outbound queue: { $outboundQueued }
stats-hit-ratio = { $percent }%
stats-hit-ratio-none = n/a
broadcast-usage = Usage: /broadcast <text>
broadcast-started =
    { $recipients ->
        [one] Broadcast started to { $recipients } user.
       *[other] Broadcast started to { $recipients } users.
    }
broadcast-done = Broadcast finished: { $sent } sent, { $failed } failed, { $blocked } blocked the bot.

## Command menu (setMyCommands descriptions)

command-start = Register and show the menu
command-help = List the commands
command-me = Your profile
command-settings = Your language and name
command-stats = Bot statistics (admins)
command-broadcast = Send a message to every user (admins)

## Texts sent by the service around the handlers

failure = Sorry, something went wrong on our side. Please try again in a moment.
rate-limited = Slow down: try again in { $retryAfter } s
`;
