package accounts

import (
	"context"

	"frontdoor/api/notify"
)

// tellProgress tells the resident, in the transaction that records it, how
// their change is getting on: each service told (progress), all of them
// (done), or one that could not be told (failed, for staff to pick up).
func (s *Service) tellProgress(ctx context.Context, ch *Change, before string, ws []*statusWrite) error {
	if s.opts.Tell == nil || ch.ResidentID == "" {
		return nil
	}
	delivered, failed := 0, 0
	for _, sv := range ch.Services {
		switch sv.Status {
		case StatusDelivered:
			delivered++
		case StatusFailed:
			failed++
		}
	}
	ev := notify.Event{To: notify.Recipient{Resident: ch.ResidentID}, URL: s.opts.BaseURL + "/account/changes/" + ch.ID,
		Data: map[string]any{"Count": delivered, "Total": len(ch.Services)}}
	for _, w := range ws {
		switch {
		case w.u.status == StatusFailed:
			ev.Kind, ev.Data["Count"] = notify.KindTUOFailed, failed
		case w.u.status != StatusDelivered:
			continue
		case ch.Status == StatusDelivered && before != StatusDelivered:
			ev.Kind, before = notify.KindTUODone, StatusDelivered // once, however many finished together
		default:
			ev.Kind = notify.KindTUOProgress
		}
		ev.Key = "tuo:" + ch.ID + ":" + w.connector + ":" + w.u.status
		if err := s.opts.Tell.Notify(ctx, ev); err != nil {
			return err
		}
	}
	return nil
}
