/** Calendar periods of a UTC day `YYYY-MM-DD`, for `groupBy=week` and `groupBy=month`. */

const dayMs = 86_400_000;

/** The ISO 8601 week (Monday first; week 1 holds the year's first Thursday), e.g. `2026-W01`. */
export function isoWeek(day: string): string {
  const time = Date.parse(day);
  const weekday = (new Date(time).getUTCDay() + 6) % 7; // Monday 0 … Sunday 6
  const thursday = new Date(time + (3 - weekday) * dayMs);
  const year = thursday.getUTCFullYear();
  const week = 1 + Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / dayMs / 7);
  return `${year}-W${String(week).padStart(2, '0')}`;
}

export const monthOf = (day: string): string => day.slice(0, 7);
