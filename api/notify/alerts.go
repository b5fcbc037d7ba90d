package notify

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"frontdoor/api/outbox"
	"frontdoor/api/store"
)

// Alert is a message from staff to everyone who follows a topic in an area:
// "Collections in PL4 are a day late".
type Alert struct {
	Topic Topic  `json:"topic"` // TopicServiceAlerts or TopicCollectionReminders
	Area  string `json:"area"`  // a postcode district or ward code
	Title string `json:"title"`
	Body  string `json:"body"`
	URL   string `json:"url,omitempty"` // optional: where to read more
	By    string `json:"by"`            // the member of staff sending it
}

// Limits on an alert's words, in characters: short enough for a push and a
// few text messages.
const (
	MaxAlertTitle = 100
	MaxAlertBody  = 500
)

// AlertStatus is an alert and how far its delivery has gone.
type AlertStatus struct {
	ID         string     `json:"id"`
	Alert                 // the alert as sent
	CreatedAt  time.Time  `json:"created_at"`
	Recipients int64      `json:"recipients"` // residents queued so far
	Done       bool       `json:"done"`
	FinishedAt *time.Time `json:"finished_at,omitempty"`
}

// alertRecord is an alert as stored, with its stream's progress: the
// cursor after the last page queued, and the segment (job) streaming it.
type alertRecord struct {
	store.Meta
	Alert
	CreatedAt  time.Time  `json:"created_at"`
	Recipients int64      `json:"recipients"`
	Done       bool       `json:"done"`
	FinishedAt *time.Time `json:"finished_at,omitempty"`
	Cursor     string     `json:"cursor,omitempty"`
	Segment    int        `json:"segment"`
}

func (r *alertRecord) status() *AlertStatus {
	return &AlertStatus{ID: r.ID, Alert: r.Alert, CreatedAt: r.CreatedAt, Recipients: r.Recipients, Done: r.Done, FinishedAt: r.FinishedAt}
}

// alertJob is the payload of a notify.alert job.
type alertJob struct {
	Alert   string `json:"alert"`
	Segment int    `json:"segment"`
}

func alertJobKey(id string, segment int) string {
	return KindAlertJob + ":" + id + ":" + strconv.Itoa(segment)
}

// SendAlert validates the alert, stores it and queues the one job that
// streams it to the residents following its topic in its area. It joins
// the caller's transaction when ctx carries one.
func (s *Service) SendAlert(ctx context.Context, a Alert) (string, error) {
	a, err := a.normalize()
	if err != nil {
		return "", err
	}
	rec := &alertRecord{Meta: store.Meta{ID: store.NewID()}, Alert: a, CreatedAt: s.now()}
	err = s.db.Tx(ctx, func(ctx context.Context) error {
		if err := s.alerts.Insert(ctx, rec); err != nil {
			return err
		}
		return s.ob.Enqueue(ctx, KindAlertJob, alertJobKey(rec.ID, 0), alertJob{Alert: rec.ID})
	})
	if err != nil {
		return "", err
	}
	return rec.ID, nil
}

// Alert returns an alert and its progress, or ErrNotFound.
func (s *Service) Alert(ctx context.Context, id string) (*AlertStatus, error) {
	if !validID(id) {
		return nil, ErrNotFound
	}
	rec, err := s.alerts.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	return rec.status(), nil
}

func (a Alert) normalize() (Alert, error) {
	var c checker
	if a.Topic != TopicServiceAlerts && a.Topic != TopicCollectionReminders {
		c.Add("/topic", MsgAlertTopic)
	}
	if area, ok := NormalizeArea(a.Area); ok {
		a.Area = area
	} else {
		c.Add("/area", MsgAreaInvalid)
	}
	a.Title = strings.TrimSpace(a.Title)
	checkText(&c, "/title", a.Title, MaxAlertTitle, false)
	a.Body = strings.TrimSpace(strings.ReplaceAll(a.Body, "\r\n", "\n"))
	checkText(&c, "/body", a.Body, MaxAlertBody, true)
	if a.URL != "" && !validURL(a.URL) {
		c.Add("/url", MsgURLInvalid)
	}
	if !validID(a.By) {
		c.Add("/by", MsgRequired)
	}
	return a, c.Err()
}

func checkText(c *checker, ptr, s string, max int, multiline bool) {
	switch {
	case s == "":
		c.Add(ptr, MsgRequired)
	case !printableText(s, multiline):
		c.Add(ptr, MsgTextInvalid)
	case utf8.RuneCountInString(s) > max:
		c.AddCount(ptr, MsgTooLong, max)
	}
}

// streamAlert is the notify.alert job. It reads the followers a page at a
// time in resident order and queues each page's events in one transaction
// with the cursor after it, so only one page is ever in memory and a crash
// resumes after the last page committed (a page redone queues nothing
// twice: the events' keys are the alert's and the resident's). When half
// its time is used it hands on to a job for the next segment.
func (s *Service) streamAlert(ctx context.Context, job outbox.Job) error {
	var j alertJob
	if err := json.Unmarshal(job.Payload, &j); err != nil {
		return outbox.Permanent(errUnreadable)
	}
	a, err := s.alerts.Get(ctx, j.Alert)
	if err != nil {
		return ignoreGone(err)
	}
	handOverAt := halfway(ctx, time.Now())
	for !a.Done && a.Segment == j.Segment {
		page, err := s.members.Find(ctx, store.Query{
			Where: []store.Cond{store.Eq(fieldTopic, string(a.Topic)), store.Eq(fieldArea, a.Area)},
			Sort:  fieldResident, Limit: s.opts.AlertPageSize, After: a.Cursor,
		})
		if errors.Is(err, store.ErrBadCursor) {
			return outbox.Permanent(err)
		}
		if err != nil {
			return err
		}
		if a, err = s.queuePage(ctx, a, page, time.Now().After(handOverAt)); err != nil {
			return err
		}
		if s.afterPage != nil {
			s.afterPage(ctx, a)
		}
	}
	if a.Done && a.Segment == j.Segment {
		s.log.Info("alert queued", "alert", a.ID, "topic", a.Topic, "recipients", a.Recipients)
	}
	return nil
}

// halfway is when a job that started at start should hand on: half way to
// its ctx's deadline, or after ten seconds without one.
func halfway(ctx context.Context, start time.Time) time.Time {
	if d, ok := ctx.Deadline(); ok {
		return start.Add(d.Sub(start) / 2)
	}
	return start.Add(10 * time.Second)
}

// queuePage queues one page's events and moves the alert's cursor on, in
// one transaction; handOver queues the next segment's job there too.
func (s *Service) queuePage(ctx context.Context, a *alertRecord, page store.Page[memberRecord], handOver bool) (*alertRecord, error) {
	var next alertRecord
	err := s.db.Tx(ctx, func(ctx context.Context) error {
		next = *a // fn may run again: start from the stored state each time
		for _, m := range page.Items {
			ev := Event{Key: "alert:" + a.ID + ":" + m.Resident, Kind: alertKind(a.Topic), Topic: a.Topic,
				To: Recipient{Resident: m.Resident}}
			if err := s.ob.Enqueue(ctx, KindDeliverJob, "notify:"+ev.Key, deliverJob{Event: ev, Alert: a.ID}); err != nil {
				return err
			}
		}
		next.Cursor, next.Recipients = page.Next, a.Recipients+int64(len(page.Items))
		switch {
		case page.Next == "":
			now := s.now()
			next.Done, next.FinishedAt = true, &now
		case handOver:
			next.Segment++
			if err := s.ob.Enqueue(ctx, KindAlertJob, alertJobKey(a.ID, next.Segment), alertJob{Alert: a.ID, Segment: next.Segment}); err != nil {
				return err
			}
		}
		return s.alerts.Replace(ctx, &next)
	})
	if err != nil {
		return nil, err
	}
	return &next, nil
}

func alertKind(t Topic) string {
	if t == TopicCollectionReminders {
		return KindReminder
	}
	return KindAlert
}
