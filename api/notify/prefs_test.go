package notify

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"frontdoor/api/store"
)

func TestDefaultPreferences(t *testing.T) {
	e := newEnv(t, envConfig{})
	got, err := e.svc.Preferences(ctx, "nobody-yet")
	if err != nil {
		t.Fatal(err)
	}
	want := Preferences{Topics: map[Topic][]Channel{
		TopicCaseUpdates:         {ChannelPush, ChannelEmail},
		TopicTellUsOnce:          {ChannelPush, ChannelEmail},
		TopicCollectionReminders: {ChannelPush},
		TopicServiceAlerts:       {ChannelPush},
	}, Areas: []string{}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("defaults %+v, want %+v", got, want)
	}
	if _, err := e.svc.Preferences(ctx, "has space"); !errors.Is(err, ErrBadResident) {
		t.Errorf("bad resident id: %v", err)
	}
}

func TestSetPreferencesNormalizesAndSaves(t *testing.T) {
	e := newEnv(t, envConfig{})
	in := Preferences{
		Topics: map[Topic][]Channel{
			TopicCaseUpdates:   {ChannelSMS, ChannelPush}, // any order in, Channels order out
			TopicServiceAlerts: {},                        // off
			// Tell Us Once and reminders left out: they keep their defaults
		},
		Areas: []string{" pl4", "e05012345", "SW1A", "M1"},
	}
	got := mustSetPrefs(t, e.svc, "r1", in)
	want := Preferences{Topics: map[Topic][]Channel{
		TopicCaseUpdates:         {ChannelPush, ChannelSMS},
		TopicTellUsOnce:          {ChannelPush, ChannelEmail},
		TopicCollectionReminders: {ChannelPush},
		TopicServiceAlerts:       {},
	}, Areas: []string{"PL4", "E05012345", "SW1A", "M1"}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("saved %+v, want %+v", got, want)
	}
	read, err := e.svc.Preferences(ctx, "r1")
	if err != nil || !reflect.DeepEqual(read, want) {
		t.Fatalf("read back %+v, %v; want %+v", read, err, want)
	}
	// Memberships follow: reminders in four areas, alerts (off) in none.
	members := func() []string {
		page, err := e.svc.members.Find(ctx, store.Query{Where: []store.Cond{store.Eq(fieldResident, "r1")}})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, m := range page.Items {
			out = append(out, m.Topic+"/"+m.Area)
		}
		slices.Sort(out)
		return out
	}
	wantMembers := []string{"collection_reminders/E05012345", "collection_reminders/M1", "collection_reminders/PL4", "collection_reminders/SW1A"}
	if got := members(); !slices.Equal(got, wantMembers) {
		t.Errorf("memberships %v, want %v", got, wantMembers)
	}
	mustSetPrefs(t, e.svc, "r1", topics([]string{"PL5"}, TopicServiceAlerts, []Channel{ChannelEmail}))
	if got := members(); !slices.Equal(got, []string{"service_alerts/PL5"}) {
		t.Errorf("after a change, memberships %v, want [service_alerts/PL5]", got)
	}
}

func TestSetPreferencesValidation(t *testing.T) {
	e := newEnv(t, envConfig{})
	type field struct{ ptr, id string }
	tooMany := []string{"PL1", "PL2", "PL3", "PL4", "PL5", "PL6", "PL7", "PL8", "PL9", "PL10", "PL11"}
	tests := []struct {
		name string
		in   Preferences
		want []field
	}{
		{"unknown topic", Preferences{Topics: map[Topic][]Channel{"weather": {ChannelPush}}},
			[]field{{"/topics/weather", MsgTopicUnknown}}},
		{"topic needing escapes", Preferences{Topics: map[Topic][]Channel{"a/b~c": {}}},
			[]field{{"/topics/a~1b~0c", MsgTopicUnknown}}},
		{"unknown channel", Preferences{Topics: map[Topic][]Channel{TopicCaseUpdates: {ChannelPush, "pigeon"}}},
			[]field{{"/topics/case_updates/1", MsgChannelUnkn}}},
		{"repeated channel", Preferences{Topics: map[Topic][]Channel{TopicTellUsOnce: {ChannelEmail, ChannelPush, ChannelEmail}}},
			[]field{{"/topics/tell_us_once/2", MsgDuplicate}}},
		{"too many areas", Preferences{Areas: tooMany}, []field{{"/areas", MsgTooMany}}},
		{"bad district", Preferences{Areas: []string{"PL4", "PL4 6AB", "4PL", "", "E05123"}},
			[]field{{"/areas/1", MsgAreaInvalid}, {"/areas/2", MsgAreaInvalid}, {"/areas/3", MsgAreaInvalid}, {"/areas/4", MsgAreaInvalid}}},
		{"repeated area", Preferences{Areas: []string{"pl4", "PL4"}}, []field{{"/areas/1", MsgDuplicate}}},
		{"everything at once", Preferences{Topics: map[Topic][]Channel{"x": {}, TopicServiceAlerts: {"fax"}}, Areas: []string{"??"}},
			[]field{{"/topics/service_alerts/0", MsgChannelUnkn}, {"/topics/x", MsgTopicUnknown}, {"/areas/0", MsgAreaInvalid}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.svc.SetPreferences(ctx, "r1", tt.in)
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("err %v, want a *ValidationError", err)
			}
			var got []field
			ve.EachField(func(ptr, id string, data map[string]any) {
				got = append(got, field{ptr, id})
				if id == MsgTooMany && data["Count"] != MaxAreas {
					t.Errorf("TooManyItems data %v, want Count %d", data, MaxAreas)
				}
			})
			if !slices.Equal(got, tt.want) {
				t.Errorf("fields %v, want %v", got, tt.want)
			}
			if strings.Contains(err.Error(), "pigeon") || strings.Contains(err.Error(), "6AB") {
				t.Errorf("error text holds the input: %v", err)
			}
		})
	}
	if p, _ := e.svc.Preferences(ctx, "r1"); len(p.Areas) != 0 {
		t.Errorf("refused input was saved: %+v", p)
	}
}

func TestNormalizeArea(t *testing.T) {
	ok := map[string]string{"pl4": "PL4", " ec1a ": "EC1A", "W1": "W1", "b33": "B33", "cr2": "CR2",
		"e05012345": "E05012345", "W05000123": "W05000123", "S13002516": "S13002516", "N08000101": "N08000101"}
	for in, want := range ok {
		if got, valid := NormalizeArea(in); !valid || got != want {
			t.Errorf("NormalizeArea(%q) = %q, %v; want %q", in, got, valid, want)
		}
	}
	for _, in := range []string{"", "PL", "PL4 6AB", "PL4X9", "123", "E0501234", "E06012345", "X05012345", "PL-4", "ПЛ4"} {
		if got, valid := NormalizeArea(in); valid {
			t.Errorf("NormalizeArea(%q) = %q, want refused", in, got)
		}
	}
}
