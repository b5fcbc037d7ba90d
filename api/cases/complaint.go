package cases

import (
	"context"
	"slices"
	"sort"
	"time"

	"frontdoor/api/catalogue"
)

// DefaultEscalationDays is how many working days after the stage-1
// response a resident may take a complaint to stage 2, when the service
// does not say.
const DefaultEscalationDays = 20

// record keeps a stage's outcome and when the council responded.
func (cp *Complaint) record(o Outcome, now time.Time) {
	if cp.Stage == 2 {
		cp.Stage2Outcome, cp.Stage2RespondedAt = o, &now
		return
	}
	cp.Stage1Outcome, cp.Stage1RespondedAt = o, &now
}

func (cp *Complaint) lastOutcome() Outcome {
	if cp.Stage == 2 {
		return cp.Stage2Outcome
	}
	return cp.Stage1Outcome
}

// EscalationDeadline is the last moment a stage-1 response may be escalated.
func (s *Service) EscalationDeadline(it *Item, policy *catalogue.Complaint) (time.Time, bool) {
	if it.Complaint == nil || it.Complaint.Stage != 1 || it.Complaint.Stage1RespondedAt == nil || policy == nil {
		return time.Time{}, false
	}
	days := policy.EscalationDays
	if days <= 0 {
		days = DefaultEscalationDays
	}
	return s.cal.Due(*it.Complaint.Stage1RespondedAt, days, catalogue.UnitWorkingDays), true
}

// Escalate takes a complaint answered at stage 1 to stage 2: a senior
// reviewer's team, its own service standard, and the resident's reason.
func (s *Service) Escalate(ctx context.Context, rq Requester, ref, itemID, reason string) (*Case, error) {
	var ck checker
	reason = checkText(&ck, "/reason", reason, true)
	if err := ck.Err(); err != nil {
		return nil, err
	}
	var out *Case
	err := s.tx(ctx, func(ctx context.Context) error {
		c, it, err := s.ownedItem(ctx, rq, ref, itemID)
		if err != nil {
			return err
		}
		svc, err := s.cat.Service(ctx, it.Service)
		if err != nil {
			return err
		}
		now := s.now()
		deadline, ok := s.EscalationDeadline(it, svc.Complaint)
		if !ok || now.After(deadline) || !CanMove(it.Status, StatusReopened) {
			return ErrEscalation
		}
		before := len(c.Events)
		p := svc.Complaint
		it.Complaint.Stage, it.Complaint.EscalatedAt, it.Complaint.EscalationReason = 2, &now, reason
		it.Status, it.Open, it.Team, it.Assignee = StatusReopened, true, p.Stage2Team, ""
		it.Unit, it.DueAt, it.ResolvedAt, it.Breached = p.Stage2Unit, s.cal.Due(now, p.Stage2Target, p.Stage2Unit), nil, false
		it.PausedAt, it.Remaining, it.UpdatedAt = nil, 0, now
		if err := s.items.Replace(ctx, it); err != nil {
			return err
		}
		s.addEvent(c, Event{Kind: EventEscalated, Public: true, ItemID: it.ID, Status: StatusReopened, Channel: rq.Channel, By: rq.Actor})
		if err := s.count(ctx, now, it.Service, it.Tier, "escalated", "interaction."+rq.Channel); err != nil {
			return err
		}
		out = c
		return s.saveCase(ctx, c, it, before)
	})
	return out, err
}

// ownedItem finds an item of a case the requester owns.
func (s *Service) ownedItem(ctx context.Context, rq Requester, ref, itemID string) (*Case, *Item, error) {
	c, err := s.caseByRef(ctx, ref)
	if err != nil {
		return nil, nil, err
	}
	if !c.owns(rq) {
		return nil, nil, ErrNotFound
	}
	it, err := s.itemOf(ctx, c, itemID)
	return c, it, err
}

// MaxCommentLength limits a feedback comment.
const MaxCommentLength = 1000

// Feedback records the resident's rating once every item is done. It is
// counted against the channel the case came in on, so satisfaction can be
// compared channel by channel; the channel it was given on is kept too.
func (s *Service) Feedback(ctx context.Context, rq Requester, ref string, rating Rating, comment string) (*Case, error) {
	var ck checker
	if !slices.Contains([]Rating{RatingGood, RatingAverage, RatingPoor}, rating) {
		ck.Add("/rating", MsgNotAllowed)
	}
	comment = checkTextUpTo(&ck, "/comment", comment, false, MaxCommentLength)
	if err := ck.Err(); err != nil {
		return nil, err
	}
	var out *Case
	err := s.tx(ctx, func(ctx context.Context) error {
		c, err := s.caseByRef(ctx, ref)
		if err != nil {
			return err
		}
		switch {
		case !c.owns(rq):
			return ErrNotFound
		case c.Feedback != nil:
			return ErrFeedbackGiven
		case c.Status != StatusClosed:
			return ErrNotYetClosed
		}
		now := s.now()
		c.Feedback = &Feedback{Rating: rating, Comment: comment, Channel: rq.Channel, At: now}
		s.addEvent(c, Event{Kind: EventFeedback, Channel: rq.Channel, By: rq.Actor})
		first := c.Lines[0]
		if err := s.count(ctx, now, first.Service, "", "feedback."+c.Channel+"."+string(rating), "interaction."+rq.Channel); err != nil {
			return err
		}
		out = c
		return s.saveCase(ctx, c, nil, len(c.Events))
	})
	return out, err
}

func sortByDistance(xs []NearbyCase) {
	sort.Slice(xs, func(i, j int) bool { return xs[i].Distance < xs[j].Distance })
}
