package crashtest

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/payers"
	"github.com/duehub/duehub/vendors"
)

const (
	payerCount = 300
	kills      = 10
	// recoveryLimit is how long after the last restart every digest must
	// be out: a killed process's digests go out again within two minutes
	// (the ledger's lease, then the next rescue pass), not after River's
	// hour. A little slack over the two minutes for a loaded CI machine.
	recoveryLimit = 150 * time.Second
	// grace is how long the hub has, with the provider frozen, to record
	// answers it already received before it is killed. A hub that sits on
	// the outcome of an accepted send for longer sends it again after the
	// kill, and that duplicate counts against it.
	grace = 300 * time.Millisecond
)

// TestKill9 runs `duehub serve` on PostgreSQL against a fake SendGrid,
// kills it with SIGKILL ten times while digests are going out, then lets
// one last serve finish. Every payer must have had its digest accepted by
// the provider (none lost), and the extra messages must be no more than
// the sends the provider had read but not answered at the kills.
func TestKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("kills serve ten times and waits out the ledger's lease: minutes, not for -short")
	}
	dbURL := dbtest.PostgresURL(t) // fails in CI without PostgreSQL
	bin := buildDuehub(t)
	fake := newFakeSendGrid()
	srv := httptest.NewServer(fake)
	defer srv.Close()
	env := append(os.Environ(),
		"DUEHUB_DATABASE_URL="+dbURL,
		"DUEHUB_EMAIL=sendgrid",
		"DUEHUB_SENDGRID_API_KEY=SG.kill9-test",
		"DUEHUB_SENDGRID_HOST="+srv.URL,
		"DUEHUB_SECRET=kill9-test-secret-kill9-test-secret",
		"DUEHUB_PLAN_EVERY=2s",
		"DUEHUB_LOG_LEVEL=info",
	)
	logs := t.TempDir()
	if out, err := command(bin, env, "migrate").CombinedOutput(); err != nil {
		t.Fatalf("duehub migrate: %v\n%s", err, out)
	}
	db, err := database.Open(context.Background(), dbURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	emails := seed(t, db)

	perRound := payerCount / (kills + 5)
	var inFlight []int
	unrecorded := 0
	for round := 1; round <= kills; round++ {
		_, _, before := fake.counts()
		serve := startServe(t, bin, env, filepath.Join(logs, fmt.Sprintf("serve-%02d.log", round)))
		deadline := time.Now().Add(45 * time.Second)
		for {
			_, _, n := fake.counts()
			if n-before >= perRound || time.Now().After(deadline) {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		// Hold the provider's answers, give answers already on the wire
		// time to be recorded, then kill: the sends held are exactly those
		// in flight.
		fake.freeze()
		time.Sleep(grace)
		serve.Process.Kill()
		serve.Wait()
		time.Sleep(200 * time.Millisecond) // requests already sent are read in full
		n := fake.inFlight()
		inFlight = append(inFlight, n)
		fake.unfreeze()
		_, confirmed, after := fake.counts()
		u := acceptedNotRecorded(t, db, confirmed)
		unrecorded += u
		t.Logf("kill %d: %d sends accepted in this run, %d in flight, %d accepted but not recorded as sent",
			round, after-before, n, u)
		if round == 1 && after == before {
			dumpLog(t, logs, 1)
			t.Fatal("the first serve sent nothing in 45 s: were the payers due?")
		}
	}

	restarted := time.Now()
	serve := startServe(t, bin, env, filepath.Join(logs, "serve-final.log"))
	defer func() {
		serve.Process.Signal(os.Interrupt)
		serve.Wait()
	}()
	var open int64
	for {
		_, confirmed, _ := fake.counts()
		db.Gorm.Table("digests").Where("status IN ('pending', 'sending')").Count(&open)
		if len(confirmed) == payerCount && open == 0 {
			break
		}
		if time.Since(restarted) > recoveryLimit {
			dumpLog(t, logs, 0)
			t.Fatalf("%v after the last restart: %d of %d payers have a digest, %d digests still open",
				recoveryLimit, len(confirmed), payerCount, open)
		}
		time.Sleep(250 * time.Millisecond)
	}
	recovered := time.Since(restarted)
	time.Sleep(3 * time.Second) // a late duplicate would show now

	received, confirmed, _ := fake.counts()
	lost, extra, allowed := 0, 0, 0
	for _, e := range emails {
		if confirmed[e] == 0 {
			lost++
		}
		if received[e] > 1 {
			extra += received[e] - 1
		}
	}
	for _, n := range inFlight {
		allowed += n
	}
	var rows []struct {
		Status string
		N      int
	}
	db.Gorm.Table("digests").Select("status, count(*) AS n").Group("status").Scan(&rows)
	t.Logf("%d payers, %d kills; in flight at the kills %v (sum %d); duplicates %d; lost %d; "+
		"all out %v after the last restart; ledger %v", payerCount, kills, inFlight, allowed, extra, lost,
		recovered.Round(time.Second), rows)
	if lost > 0 {
		t.Errorf("%d payers never got a digest", lost)
	}
	if extra > allowed {
		t.Errorf("%d duplicate digests, more than the %d sends in flight at the kills "+
			"(%d sends the provider had accepted were not recorded as sent at the kills)", extra, allowed, unrecorded)
	}
	if len(rows) != 1 || rows[0].Status != "sent" || rows[0].N != payerCount {
		t.Errorf("ledger %v, want %d rows, all sent", rows, payerCount)
	}
}

// acceptedNotRecorded counts payers whose digest the provider accepted but
// whose ledger row does not say sent: each will be sent again.
func acceptedNotRecorded(t *testing.T, db *database.DB, confirmed map[string]int) int {
	t.Helper()
	var sent []string
	err := db.Gorm.Table("digests").Joins("JOIN payers ON payers.id = digests.payer_id").
		Where("digests.status = 'sent'").Pluck("payers.key", &sent).Error
	if err != nil {
		t.Fatal(err)
	}
	recorded := map[string]bool{}
	for _, k := range sent {
		recorded[strings.TrimPrefix(k, "email:")] = true
	}
	n := 0
	for e := range confirmed {
		if !recorded[e] {
			n++
		}
	}
	return n
}

// buildDuehub builds the binary once for the test.
func buildDuehub(t *testing.T) string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go tool is needed to build duehub: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "duehub")
	cmd := exec.Command(goBin, "build", "-o", bin, "github.com/duehub/duehub/cmd/duehub")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func command(bin string, env []string, args ...string) *exec.Cmd {
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	return cmd
}

// startServe starts `duehub serve` on a free port, logging to logPath.
func startServe(t *testing.T, bin string, env []string, logPath string) *exec.Cmd {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	f, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	cmd := command(bin, append(env, "DUEHUB_ADDR="+addr), "serve")
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		t.Fatalf("start serve: %v", err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	return cmd
}

// seed pushes payerCount payers, each owing one overdue invoice, and makes
// them due now: a daily digest at the current UTC hour. It returns their
// addresses.
func seed(t *testing.T, db *database.DB) []string {
	t.Helper()
	ctx := context.Background()
	ps := payers.NewStore(db.Gorm, time.Now)
	vs := vendors.NewStore(db.Gorm, ps, time.Now)
	v, err := vs.CreateVendor(ctx, vendors.NewVendor{Name: "Northwind"})
	if err != nil {
		t.Fatal(err)
	}
	due := time.Now().UTC().AddDate(0, 0, -10).Format("2006-01-02")
	emails := make([]string, payerCount)
	push := func(prefix string) {
		var items []vendors.InvoiceInput
		for i := range payerCount {
			amount := int64(10000 + i)
			emails[i] = fmt.Sprintf("ap%03d@payer.example", i)
			items = append(items, vendors.InvoiceInput{ExternalID: fmt.Sprintf("%s-%03d", prefix, i), Currency: "USD",
				AmountDue: &amount, DueDate: due, PayURL: "https://pay.example/" + prefix,
				Customer: vendors.CustomerInput{ExternalID: fmt.Sprintf("C-%03d", i), Name: "Payer", Email: emails[i]}})
		}
		res, err := vs.PushInvoices(ctx, v.ID, items)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range res {
			if r.Result == vendors.ResultError {
				t.Fatalf("push: %+v", r)
			}
		}
	}
	push("INV")
	var ids []int64
	if err := db.Gorm.Table("payers").Order("id").Pluck("id", &ids).Error; err != nil || len(ids) != payerCount {
		t.Fatalf("%d payers (%v), want %d", len(ids), err, payerCount)
	}
	for _, id := range ids {
		err := ps.UpdatePreferences(ctx, id, payers.Preferences{Timezone: "UTC", Cadence: "daily",
			SendHour: time.Now().UTC().Hour(), MinIntervalHours: 24, EmailEnabled: true})
		if err != nil {
			t.Fatal(err)
		}
	}
	// A second invoice each, pushed after the preferences, so that any
	// state kept on push (when a payer is next due) reflects them.
	push("LATE")
	return emails
}

// dumpLog prints the end of a serve log: round n, or the final one (0).
func dumpLog(t *testing.T, dir string, n int) {
	name := "serve-final.log"
	if n > 0 {
		name = fmt.Sprintf("serve-%02d.log", n)
	}
	b, _ := os.ReadFile(filepath.Join(dir, name))
	lines := strings.Split(string(bytes.TrimSpace(b)), "\n")
	if len(lines) > 40 {
		lines = lines[len(lines)-40:]
	}
	t.Logf("%s (tail):\n%s", name, strings.Join(lines, "\n"))
}
