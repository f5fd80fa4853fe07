import { commandArgument } from './command-argument';

describe('commandArgument', () => {
  it('keeps the formatting of the text after the command, moved to its new start', () => {
    const text = '/broadcast@test_bot Big 😀 news\n';
    const argument = commandArgument(text, [
      { type: 'bot_command', offset: 0, length: 19 },
      { type: 'bold', offset: 20, length: 3 },
      { type: 'italic', offset: 24, length: 12 },
    ]);
    expect(argument).toEqual({
      text: 'Big 😀 news',
      entities: [
        { type: 'bold', offset: 0, length: 3 },
        { type: 'italic', offset: 4, length: 7 },
      ],
    });
  });

  it('answers an empty text for a bare command', () => {
    expect(
      commandArgument('/broadcast   ', [{ type: 'bot_command', offset: 0, length: 10 }]),
    ).toEqual({ text: '', entities: [] });
  });
});
