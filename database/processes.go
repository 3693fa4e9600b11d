package database

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm/clause"
)

// RolePlanner is the role of a process that plans and sends digests on the
// hub's clock (`duehub serve`).
const RolePlanner = "planner"

// Process is a hub process that says it is alive by renewing SeenAt.
type Process struct {
	ID        string `gorm:"primaryKey"`
	Role      string
	Host      string
	PID       int `gorm:"column:pid"`
	StartedAt time.Time
	SeenAt    time.Time
}

func (Process) TableName() string { return "hub_processes" }

// Heartbeat records that p is alive at now, adding its row the first time.
func (db *DB) Heartbeat(ctx context.Context, p Process, now time.Time) error {
	p.SeenAt = now.UTC().Truncate(time.Microsecond)
	p.StartedAt = p.StartedAt.UTC().Truncate(time.Microsecond)
	err := db.Gorm.WithContext(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "id"}},
		DoUpdates: clause.AssignmentColumns([]string{"seen_at"}),
	}).Create(&p).Error
	if err != nil {
		return fmt.Errorf("database: heartbeat: %w", err)
	}
	return nil
}

// LeaveProcess removes the row of a process that stops.
func (db *DB) LeaveProcess(ctx context.Context, id string) error {
	if err := db.Gorm.WithContext(ctx).Where("id = ?", id).Delete(&Process{}).Error; err != nil {
		return fmt.Errorf("database: leave: %w", err)
	}
	return nil
}

// LiveProcesses returns the processes of a role seen at or after since,
// most recently seen first. A process killed without leaving stays listed
// until since passes its last heartbeat.
func (db *DB) LiveProcesses(ctx context.Context, role string, since time.Time) ([]Process, error) {
	var out []Process
	err := db.Gorm.WithContext(ctx).Where("role = ? AND seen_at >= ?", role, since.UTC()).
		Order("seen_at DESC").Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("database: live processes: %w", err)
	}
	return out, nil
}
