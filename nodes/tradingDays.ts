/**
 * The example's calendar: trading days are weekdays, each stamped at 00:00 UTC.
 */
const DAY_MS = 86_400_000

/** 00:00 UTC of the day `instant` falls on. */
export const startOfUtcDay = (instant: Date): Date => new Date(Math.floor(instant.getTime() / DAY_MS) * DAY_MS)

export const addDays = (day: Date, days: number): Date => new Date(day.getTime() + days * DAY_MS)

const isWeekday = (day: Date): boolean => day.getUTCDay() !== 0 && day.getUTCDay() !== 6

/** The trading days from `first` to `last`, both included when they are weekdays. */
export const tradingDays = (first: Date, last: Date): ReadonlyArray<Date> => {
  const days: Array<Date> = []
  for (let day = startOfUtcDay(first); day.getTime() <= last.getTime(); day = addDays(day, 1)) {
    if (isWeekday(day)) days.push(day)
  }
  return days
}
