package payers

import (
	"time"

	"gorm.io/gorm"
)

// The learned rhythm: the digest goes out on the weekday and at the hour
// (payer-local) the payer acts on most, counted over the actions of the
// last RhythmLookback. With fewer than RhythmMinActions actions the bundler
// keeps its default (Tuesday 09:00 local).
//
// Only actions count, all of them POSTs (Touch). A visit is not recorded:
// the portal opens from a digest's link by a GET, which mail scanners
// follow too and which must not write, and the session it opens is a
// signed cookie that stores nothing, so no request opens a session by a
// POST on which a visit could be recorded.
const (
	RhythmLookback   = 90 * 24 * time.Hour
	RhythmMinActions = 3
)

// LearnRhythm returns the payer-local weekday the actions at fall on most,
// and the hour most of that weekday's actions fall in. Ties go to the
// earlier day of the working week (Monday first) and the earlier hour, so
// the answer does not depend on the order of at. ok is false with fewer
// than RhythmMinActions actions.
func LearnRhythm(at []time.Time, loc *time.Location) (day time.Weekday, hour int, ok bool) {
	if len(at) < RhythmMinActions {
		return 0, 0, false
	}
	if loc == nil {
		loc = time.UTC
	}
	var perDay [7]int
	var perHour [7][24]int
	for _, t := range at {
		l := t.In(loc)
		perDay[l.Weekday()]++
		perHour[l.Weekday()][l.Hour()]++
	}
	best := -1
	for i := range 7 {
		wd := time.Weekday((i + 1) % 7) // Monday … Sunday
		if best < 0 || perDay[wd] > perDay[day] {
			day, best = wd, perDay[wd]
		}
	}
	for h := range 24 {
		if perHour[day][h] > perHour[day][hour] {
			hour = h
		}
	}
	return day, hour, true
}

// recordActivity notes that the payer acted at now and learns its rhythm
// again from the actions of the last RhythmLookback.
func recordActivity(tx *gorm.DB, payerID int64, now time.Time) error {
	if err := tx.Exec(`INSERT INTO payer_activity (payer_id, at) VALUES (?, ?)`, payerID, now).Error; err != nil {
		return err
	}
	var p Payer
	if err := tx.Select("id", "timezone", "key").Where("id = ?", payerID).Take(&p).Error; err != nil {
		return err
	}
	var at []time.Time
	err := tx.Table("payer_activity").Where("payer_id = ? AND at > ?", payerID, now.Add(-RhythmLookback)).
		Order("at").Pluck("at", &at).Error
	if err != nil {
		return err
	}
	upd := map[string]any{"rhythm_weekday": nil, "rhythm_hour": nil}
	if day, hour, ok := LearnRhythm(at, p.Location()); ok {
		upd = map[string]any{"rhythm_weekday": int(day), "rhythm_hour": hour}
	}
	return tx.Model(&Payer{}).Where("id = ?", payerID).Updates(upd).Error
}
