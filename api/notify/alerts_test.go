package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"frontdoor/api/auth"
	"frontdoor/api/outbox"
)

func residentID(i int) string { return fmt.Sprintf("r%05d", i) }

// seed makes residents from to to-1, each with a verified email and one
// working device, and the preferences prefs gives, saved 500 to a
// transaction.
func seed(t testing.TB, e *env, from, to int, prefs func(i int) Preferences) {
	t.Helper()
	for lo := from; lo < to; lo += 500 {
		err := e.db.Tx(ctx, func(tx context.Context) error {
			for i := lo; i < min(lo+500, to); i++ {
				id := residentID(i)
				e.users.add(id, auth.User{Email: id + "@example.com", EmailVerified: true})
				e.push.setDevices(id, 1)
				if _, err := e.svc.SetPreferences(tx, id, prefs(i)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// seedMembers makes residents from to to-1 follow service alerts in area,
// as SetPreferences records it, a thousand to a transaction.
func seedMembers(t testing.TB, e *env, from, to int, area string) {
	t.Helper()
	for lo := from; lo < to; lo += 1000 {
		err := e.db.Tx(ctx, func(tx context.Context) error {
			for i := lo; i < min(lo+1000, to); i++ {
				p := topics([]string{area}, TopicServiceAlerts, []Channel{ChannelPush})
				if err := e.svc.syncMembers(tx, residentID(i), p); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

func waitAlertDone(t testing.TB, e *env, id string) *AlertStatus {
	t.Helper()
	var st *AlertStatus
	waitFor(t, 60*time.Second, "alert streamed", func() bool {
		var err error
		st, err = e.svc.Alert(ctx, id)
		return err == nil && st.Done
	})
	e.idle(t)
	return st
}

func mustSendAlert(t testing.TB, e *env, a Alert) string {
	t.Helper()
	id, err := e.svc.SendAlert(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestAlertReachesEachResidentInTheAreaOnce(t *testing.T) {
	t.Parallel() // heavy on the store; the memory test is not parallel, so it runs alone
	e := newEnv(t, envConfig{})
	want := map[string]bool{}
	seed(t, e, 0, 5000, func(i int) Preferences {
		areas := []string{fmt.Sprintf("pl%d", i%5+1)}
		if i%4 == 0 {
			areas = append(areas, "E05012345")
		}
		if i%25 == 3 { // in PL4, but follows reminders only
			return topics(areas, TopicCollectionReminders, []Channel{ChannelPush})
		}
		if i%5 == 3 {
			want[residentID(i)] = true
		}
		return topics(areas, TopicServiceAlerts, []Channel{ChannelPush}, TopicCaseUpdates, []Channel{ChannelEmail})
	})
	start := time.Now()
	id := mustSendAlert(t, e, Alert{Topic: TopicServiceAlerts, Area: "pl4", Title: "Collections in PL4 are a day late",
		Body: "Bins due on Monday will be emptied on Tuesday.", By: "staff-1"})
	st := waitAlertDone(t, e, id)
	t.Logf("alert to %d of 5000 residents streamed and delivered in %v", len(want), time.Since(start))
	got := e.push.all(t)
	for r, n := range got {
		if !want[r] || n != 1 {
			t.Errorf("%s got %d pushes; in the area: %v", r, n, want[r])
		}
	}
	if len(got) != len(want) || st.Recipients != int64(len(want)) || len(want) != 800 {
		t.Errorf("%d residents reached, %d queued, want %d", len(got), st.Recipients, len(want))
	}
	msgs := e.push.pushes(t, residentID(3+5))
	if len(msgs) != 1 || msgs[0].Title != "Collections in PL4 are a day late" || msgs[0].Body != "Bins due on Monday will be emptied on Tuesday." ||
		msgs[0].Kind != KindAlert || msgs[0].Ref != "alert:"+id+":"+residentID(8) {
		t.Errorf("alert push %+v", msgs)
	}
	if e.sent.count() != 0 {
		t.Errorf("%d emails for an alert residents chose push for", e.sent.count())
	}
}

// heapPeak runs fn while sampling the live heap, and returns the highest
// value above what was live before it.
func heapPeak(fn func()) uint64 {
	runtime.GC()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	read := func() uint64 { metrics.Read(sample); return sample[0].Value.Uint64() }
	base := read()
	var peak atomic.Uint64
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		for {
			if v := read(); v > peak.Load() {
				peak.Store(v)
			}
			select {
			case <-done:
				return
			case <-time.After(100 * time.Microsecond):
			}
		}
	}()
	fn()
	close(done)
	<-stopped
	return max(peak.Load(), base) - base
}

func TestAlertStreamingMemoryDoesNotGrowWithRecipients(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds 6,000 residents")
	}
	e := newEnv(t, envConfig{noStart: true}) // streamed here, by hand; nothing delivered
	seedMembers(t, e, 0, 1000, "PL6")
	seedMembers(t, e, 1000, 6000, "PL7")
	long, cancel := context.WithTimeout(ctx, 10*time.Minute) // no hand-over to a job that will not run
	defer cancel()
	defer debug.SetGCPercent(debug.SetGCPercent(10)) // a tight heap shows what is really held
	peaks := map[int]uint64{}
	for _, c := range []struct {
		area string
		n    int
	}{{"PL6", 1000}, {"PL7", 5000}, {"PL6", 1000}, {"PL7", 5000}} {
		id := mustSendAlert(t, e, Alert{Topic: TopicServiceAlerts, Area: c.area, Title: "Title", Body: "Body", By: "staff-1"})
		payload, _ := json.Marshal(alertJob{Alert: id})
		var err error
		peak := heapPeak(func() { err = e.svc.streamAlert(long, outbox.Job{Payload: payload}) })
		if err != nil {
			t.Fatal(err)
		}
		if st, _ := e.svc.Alert(ctx, id); st == nil || !st.Done || st.Recipients != int64(c.n) {
			t.Fatalf("alert to %s: %+v", c.area, st)
		}
		if p, ok := peaks[c.n]; !ok || peak < p {
			peaks[c.n] = peak // the lower of two runs: a collection that came late only adds
		}
	}
	growth := int64(peaks[5000]) - int64(peaks[1000])
	t.Logf("peak live heap while streaming: %d KiB for 1,000 recipients, %d KiB for 5,000 (ratio %.2f, %d bytes per extra recipient)",
		peaks[1000]>>10, peaks[5000]>>10, float64(peaks[5000])/float64(peaks[1000]), growth/4000)
	// Holding even a 100-byte key per recipient would add 400 KB here.
	if growth > 400<<10 {
		t.Errorf("peak heap grows with recipients: %d KiB for 1,000, %d KiB for 5,000", peaks[1000]>>10, peaks[5000]>>10)
	}
}

func TestAlertResumesAfterACrashWithoutDuplicates(t *testing.T) {
	t.Parallel() // heavy on the store; the memory test is not parallel, so it runs alone
	dir := t.TempDir()
	crashed := make(chan struct{})
	pages := 0
	hook := func(ctx context.Context, a *alertRecord) {
		if pages++; pages == 2 {
			close(crashed)
			<-ctx.Done() // the process dies here, two pages in
		}
	}
	e1 := newEnv(t, envConfig{dir: dir, afterPage: hook, edit: func(o *Options) { o.AlertPageSize = 100 }})
	seed(t, e1, 0, 600, func(int) Preferences { return topics([]string{"PL4"}, TopicServiceAlerts, []Channel{ChannelPush}) })
	id := mustSendAlert(t, e1, Alert{Topic: TopicServiceAlerts, Area: "PL4", Title: "T", Body: "B", By: "staff-1"})
	<-crashed
	e1.stop() // hard stop: handlers see their ctx end
	stopCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	e1.ob.Stop(stopCtx)
	if st, _ := e1.svc.Alert(ctx, id); st == nil || st.Done || st.Recipients != 200 {
		t.Fatalf("after the crash: %+v, want 200 queued and not done", st)
	}

	e2 := newEnv(t, envConfig{dir: dir, users: e1.users, sent: e1.sent, edit: func(o *Options) { o.AlertPageSize = 100 }})
	for i := range 600 {
		e2.push.setDevices(residentID(i), 1)
	}
	st := waitAlertDone(t, e2, id)
	check := func(when string) {
		got := e2.push.all(t)
		for i := range 600 {
			if n := got[residentID(i)]; n != 1 {
				t.Errorf("%s: %s got %d pushes, want 1", when, residentID(i), n)
			}
		}
	}
	check("after restart")
	if st.Recipients != 600 {
		t.Errorf("recipients %d, want 600", st.Recipients)
	}
	// A page done twice (as when a crash falls between queuing and saving
	// the cursor) queues nothing new: the events' keys are already there.
	streamAgain(t, e2, id)
	check("after streaming again")
}

// streamAgain rewinds an alert that is done and streams it again by hand.
func streamAgain(t *testing.T, e *env, id string) {
	t.Helper()
	rec, err := e.svc.alerts.Update(ctx, id, func(r *alertRecord) error {
		r.Done, r.Cursor, r.Recipients = false, "", 0
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	payload, _ := json.Marshal(alertJob{Alert: id, Segment: rec.Segment})
	if err := e.svc.streamAlert(ctx, outbox.Job{Payload: payload}); err != nil {
		t.Fatal(err)
	}
	e.idle(t)
}

func TestAlertHandsOverToTheNextSegment(t *testing.T) {
	t.Parallel() // heavy on the store; the memory test is not parallel, so it runs alone
	ob := fastOutbox
	// Handlers get 4/5 of the lease (1.6 s): a segment hands over after about
	// 0.8 s, so six pages of 200 ms need two segments or more. The lease is
	// long enough that a loaded machine (CI, -race) never loses a segment.
	ob.Lease = 2 * time.Second
	slow := func(context.Context, *alertRecord) { time.Sleep(200 * time.Millisecond) }
	e := newEnv(t, envConfig{outbox: ob, afterPage: slow, edit: func(o *Options) { o.AlertPageSize = 50 }})
	seed(t, e, 0, 300, func(int) Preferences {
		return topics([]string{"W1"}, TopicCollectionReminders, []Channel{ChannelPush})
	})
	id := mustSendAlert(t, e, Alert{Topic: TopicCollectionReminders, Area: "w1", Title: "Garden waste tomorrow",
		Body: "Put your brown bin out by 7am.", URL: "https://council.example/bins", By: "staff-1"})
	st := waitAlertDone(t, e, id)
	rec, err := e.svc.alerts.Get(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	got := e.push.all(t)
	if rec.Segment < 1 || len(got) != 300 || st.Recipients != 300 {
		t.Errorf("%d segments reached %d residents (%d queued), want more than one segment and 300", rec.Segment+1, len(got), st.Recipients)
	}
	for r, n := range got {
		if n != 1 {
			t.Errorf("%s got %d pushes", r, n)
		}
	}
	if m := e.push.pushes(t, residentID(7)); len(m) != 1 || m[0].Kind != KindReminder || m[0].URL != "https://council.example/bins" {
		t.Errorf("reminder push %+v", m)
	}
}

func TestSendAlertValidation(t *testing.T) {
	e := newEnv(t, envConfig{})
	good := Alert{Topic: TopicServiceAlerts, Area: "PL4", Title: "T", Body: "B", By: "staff-1"}
	long := string(make([]rune, MaxAlertBody+1))
	tests := []struct {
		name string
		edit func(*Alert)
		ptrs []string
	}{
		{"case updates are not for areas", func(a *Alert) { a.Topic = TopicCaseUpdates }, []string{"/topic"}},
		{"bad area", func(a *Alert) { a.Area = "Plymouth" }, []string{"/area"}},
		{"no title, no body", func(a *Alert) { a.Title, a.Body = " ", "" }, []string{"/title", "/body"}},
		{"title with a line break", func(a *Alert) { a.Title = "a\nb" }, []string{"/title"}},
		{"body too long", func(a *Alert) { a.Body = long }, []string{"/body"}},
		{"link not a URL", func(a *Alert) { a.URL = "javascript:alert(1)" }, []string{"/url"}},
		{"nobody sent it", func(a *Alert) { a.By = "" }, []string{"/by"}},
	}
	for _, tt := range tests {
		a := good
		tt.edit(&a)
		_, err := e.svc.SendAlert(ctx, a)
		var ve *ValidationError
		if !errors.As(err, &ve) {
			t.Errorf("%s: %v, want a *ValidationError", tt.name, err)
			continue
		}
		var ptrs []string
		ve.EachField(func(p, _ string, _ map[string]any) { ptrs = append(ptrs, p) })
		if !slices.Equal(ptrs, tt.ptrs) {
			t.Errorf("%s: pointers %v, want %v", tt.name, ptrs, tt.ptrs)
		}
	}
	if _, err := e.svc.Alert(ctx, "no-such-alert"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown alert: %v", err)
	}
}
