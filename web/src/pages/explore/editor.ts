import {
  autocompletion,
  closeBrackets,
  closeBracketsKeymap,
  completionKeymap,
} from '@codemirror/autocomplete';
import { defaultKeymap, history, historyKeymap, insertNewlineAndIndent } from '@codemirror/commands';
import { bracketMatching, HighlightStyle, syntaxHighlighting } from '@codemirror/language';
import { EditorState, Prec } from '@codemirror/state';
import { drawSelection, EditorView, highlightSpecialChars, keymap, placeholder } from '@codemirror/view';
import { tags } from '@lezer/highlight';
import { PromQLExtension } from '@prometheus-io/codemirror-promql';

import { DASHBOARD_HEADERS, prometheusBase } from '../../lib/api.ts';

/** Colours by CSS variable, so the editor follows the light and dark themes. */
const promqlHighlight = HighlightStyle.define([
  { tag: tags.number, color: 'var(--code-number)' },
  { tag: tags.string, color: 'var(--code-string)' },
  { tag: tags.keyword, color: 'var(--code-keyword)', fontWeight: '600' },
  { tag: tags.function(tags.variableName), color: 'var(--code-function)' },
  { tag: tags.labelName, color: 'var(--code-label)' },
  { tag: tags.operator, color: 'var(--code-operator)' },
  { tag: tags.modifier, color: 'var(--code-keyword)' },
  { tag: tags.comment, color: 'var(--text-muted)', fontStyle: 'italic' },
  { tag: tags.invalid, color: 'var(--danger)' },
]);

const theme = EditorView.theme({
  '&': { fontSize: '14px', backgroundColor: 'var(--surface)', color: 'var(--text)' },
  '.cm-content': { fontFamily: 'var(--font-mono)', padding: '8px 0', caretColor: 'var(--text)' },
  '&.cm-focused': { outline: 'none' },
  '.cm-line': { padding: '0 10px' },
  '.cm-placeholder': { color: 'var(--text-muted)' },
  '.cm-tooltip': {
    backgroundColor: 'var(--surface)',
    border: '1px solid var(--border)',
    color: 'var(--text)',
  },
  '.cm-tooltip-autocomplete > ul > li[aria-selected]': {
    backgroundColor: 'var(--accent)',
    color: 'var(--on-accent)',
  },
  '.cm-selectionBackground, &.cm-focused .cm-selectionBackground': { backgroundColor: 'var(--selection)' },
  '.cm-matchingBracket': { backgroundColor: 'var(--selection)', outline: '1px solid var(--border)' },
});

export interface EditorOptions {
  readonly doc: string;
  readonly tenant: string;
  readonly onChange: (doc: string) => void;
  /** Enter (without Shift) runs the query, as in Prometheus's own UI. */
  readonly onExecute: () => void;
}

export interface PromqlEditor {
  readonly view: EditorView;
  destroy(): void;
}

/**
 * The PromQL editor: highlighting, linting and autocompletion of functions, metric names, label
 * names and values — the last three asked of our own Prometheus API for the signed-in tenant.
 */
export function createEditor(parent: HTMLElement, options: EditorOptions): PromqlEditor {
  const promql = new PromQLExtension().setComplete({
    remote: {
      url: prometheusBase(options.tenant),
      httpMethod: 'POST',
      requestHeaders: new Headers(DASHBOARD_HEADERS),
      cache: { maxAge: 5 * 60_000 },
    },
  });
  const view = new EditorView({
    parent,
    state: EditorState.create({
      doc: options.doc,
      extensions: [
        highlightSpecialChars(),
        history(),
        drawSelection(),
        bracketMatching(),
        closeBrackets(),
        autocompletion(),
        EditorView.lineWrapping,
        syntaxHighlighting(promqlHighlight),
        theme,
        placeholder('Expression (press Shift+Enter for a new line)'),
        EditorView.contentAttributes.of({ 'aria-label': 'PromQL expression', 'aria-multiline': 'true' }),
        Prec.high(
          keymap.of([
            {
              key: 'Enter',
              run: () => {
                options.onExecute();
                return true;
              },
            },
            { key: 'Shift-Enter', run: insertNewlineAndIndent },
          ]),
        ),
        keymap.of([...closeBracketsKeymap, ...defaultKeymap, ...historyKeymap, ...completionKeymap]),
        promql.asExtension(),
        EditorView.updateListener.of((u) => {
          if (u.docChanged) options.onChange(u.state.doc.toString());
        }),
      ],
    }),
  });
  return {
    view,
    destroy() {
      view.destroy();
      promql.destroy();
    },
  };
}
