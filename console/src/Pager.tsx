/**
 * Newer / Older buttons over a cursor-paged list: `cursors` is the stack of cursors that led to the page
 * shown (empty on the newest page); `next` is the list's `nextCursor`, absent on the last page.
 */
export function Pager({
  cursors,
  next,
  onChange,
}: {
  cursors: string[];
  next: string | undefined;
  onChange: (cursors: string[]) => void;
}) {
  return (
    <div className="pager">
      <button
        type="button"
        className="secondary"
        disabled={cursors.length === 0}
        onClick={() => onChange(cursors.slice(0, -1))}
      >
        Newer
      </button>
      <button type="button" className="secondary" disabled={!next} onClick={() => next && onChange([...cursors, next])}>
        Older
      </button>
    </div>
  );
}
