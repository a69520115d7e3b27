// A moment shown relative to now ("5 min ago"), with the exact date and time as its tooltip.
import { formatDateTime, formatRelative } from "./format";

/** A `<time>` element for an ISO timestamp, worded relative to `now`. */
export function RelativeTime({ at, now }: { at: string; now: number }) {
  return (
    <time dateTime={at} title={formatDateTime(at)}>
      {formatRelative(at, now)}
    </time>
  );
}
