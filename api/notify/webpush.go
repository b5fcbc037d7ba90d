package notify

import (
	"context"
	"net/url"
	"strings"

	"frontdoor/api/push"
)

// WebPush is the Pusher of a push.Service.
type WebPush struct{ Push *push.Service }

func (w WebPush) Working(ctx context.Context, resident string) (int, error) {
	return w.Push.Working(ctx, resident)
}

// SendToResident queues m to each of the resident's devices, marked with
// the push kind that sets its urgency and lifetime.
func (w WebPush) SendToResident(ctx context.Context, resident string, m PushMessage) (int, error) {
	return w.Push.SendToResident(ctx, resident, push.Message{Title: m.Title, Body: m.Body, URL: pathOf(m.URL), Tag: m.Tag,
		Kind: pushKind(m.Kind), Ref: m.Ref})
}

// pathOf is the path (and query) of a link: a push message opens it in the
// web app that subscribed, on whatever origin that is.
func pathOf(link string) string {
	u, err := url.Parse(link)
	if err != nil || link == "" {
		return ""
	}
	return u.RequestURI()
}

func pushKind(kind string) string {
	switch {
	case kind == KindAlert:
		return push.KindAlert
	case kind == KindReminder:
		return push.KindReminder
	case strings.HasPrefix(kind, "tuo_"):
		return push.KindAccount
	}
	return push.KindCase
}
