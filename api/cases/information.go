package cases

import "context"

// MaxInformationLength limits what a resident adds to their case at once.
const MaxInformationLength = 2000

// AddInformation puts the resident's own words on their open case's
// timeline: an update they see among the council's, and staff read with
// the case (by is empty, or the member of staff who helped). Nobody is
// sent it: the resident wrote it, and those following the case have no
// business with it. It counts as an interaction on the caller's channel.
// Someone else's case is ErrNotFound; a closed or cancelled one ErrFinished.
func (s *Service) AddInformation(ctx context.Context, rq Requester, ref, text string) (*Case, error) {
	var ck checker
	text = checkTextUpTo(&ck, "/text", text, true, MaxInformationLength)
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
		case !c.Open:
			return ErrFinished
		}
		before := len(c.Events)
		s.addEvent(c, Event{Kind: EventInformation, Public: true, Text: text, Channel: rq.Channel, By: rq.Actor})
		if err := s.count(ctx, s.now(), c.Lines[0].Service, "", "interaction."+rq.Channel); err != nil {
			return err
		}
		out = c
		return s.saveCase(ctx, c, nil, before)
	})
	return out, err
}
