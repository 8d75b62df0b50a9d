import type { ComponentChildren } from 'preact';

export interface TabItem {
  readonly id: string;
  readonly label: string;
}

/**
 * Tabs by the WAI-ARIA pattern: one tab stop, arrow keys (and Home/End) move and select, the
 * panel is labelled by its tab.
 */
export function Tabs(props: {
  label: string;
  idPrefix: string;
  items: readonly TabItem[];
  selected: string;
  onSelect: (id: string) => void;
  children: ComponentChildren;
}) {
  const { items, selected, idPrefix } = props;
  const index = Math.max(
    0,
    items.findIndex((t) => t.id === selected),
  );
  const move = (to: number): void => {
    const item = items[(to + items.length) % items.length];
    if (item === undefined) return;
    props.onSelect(item.id);
    document.getElementById(`${idPrefix}-tab-${item.id}`)?.focus();
  };
  return (
    <div class="tabs">
      <div
        role="tablist"
        aria-label={props.label}
        class="tab-list"
        onKeyDown={(e) => {
          if (e.key === 'ArrowRight') move(index + 1);
          else if (e.key === 'ArrowLeft') move(index - 1);
          else if (e.key === 'Home') move(0);
          else if (e.key === 'End') move(items.length - 1);
          else return;
          e.preventDefault();
        }}
      >
        {items.map((t) => (
          <button
            type="button"
            role="tab"
            id={`${idPrefix}-tab-${t.id}`}
            aria-selected={t.id === selected}
            aria-controls={`${idPrefix}-panel`}
            tabIndex={t.id === selected ? 0 : -1}
            class="tab"
            onClick={() => props.onSelect(t.id)}
          >
            {t.label}
          </button>
        ))}
      </div>
      <div
        role="tabpanel"
        id={`${idPrefix}-panel`}
        aria-labelledby={`${idPrefix}-tab-${selected}`}
        class="tab-panel"
      >
        {props.children}
      </div>
    </div>
  );
}
