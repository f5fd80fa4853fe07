import { parse, Visitor, type VariableReference } from '@fluent/syntax';
import { LANGUAGES } from './i18n.languages';
import { CATALOGUES, MESSAGE_IDS } from './i18n.messages';

/** Every message of one catalogue with the variables it uses, and what did not parse. */
function inspect(source: string) {
  const resource = parse(source, { withSpans: false });
  const junk = resource.body.filter((entry) => entry.type === 'Junk');
  const messages = new Map<string, string[]>();
  for (const entry of resource.body) {
    if (entry.type !== 'Message') continue;
    const message = entry;
    const variables = new Set<string>();
    class Variables extends Visitor {
      override visitVariableReference(node: VariableReference) {
        variables.add(node.id.name);
      }
    }
    new Variables().visit(message);
    messages.set(message.id.name, [...variables].sort());
  }
  return { junk: junk.map((j) => j.content.trim()), messages };
}

const catalogues = LANGUAGES.map((language) => ({ language, ...inspect(CATALOGUES[language]) }));
const english = catalogues.find((c) => c.language === 'en')!;

describe('translation catalogues', () => {
  it.each(catalogues)('$language parses without errors', ({ junk }) => {
    expect(junk).toEqual([]);
  });

  it.each(catalogues)('$language has exactly the declared message ids', ({ messages }) => {
    const missing = MESSAGE_IDS.filter((id) => !messages.has(id));
    const undeclared = [...messages.keys()].filter(
      (id) => !(MESSAGE_IDS as readonly string[]).includes(id),
    );
    expect({ missing, undeclared }).toEqual({ missing: [], undeclared: [] });
  });

  it.each(catalogues)(
    '$language uses the same variables as English in every message',
    ({ messages }) => {
      const differing = MESSAGE_IDS.filter(
        (id) => JSON.stringify(messages.get(id)) !== JSON.stringify(english.messages.get(id)),
      ).map(
        (id) => `${id}: ${messages.get(id)?.join(',')} vs ${english.messages.get(id)?.join(',')}`,
      );
      expect(differing).toEqual([]);
    },
  );

  it.each(LANGUAGES)('%s contains no private-use characters (they mark variables)', (language) => {
    expect(CATALOGUES[language]).not.toMatch(/[\uE000-\uF8FF]/);
  });
});
