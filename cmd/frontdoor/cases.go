package main

import (
	"context"
	"time"

	"github.com/nicksnyder/go-i18n/v2/i18n"

	"frontdoor/api"
	"frontdoor/api/cases"
	"frontdoor/api/catalogue"
	"frontdoor/api/open311"
	"frontdoor/locales"
)

// sweepEvery is how often breached items are marked and unclaimed uploads
// removed.
const sweepEvery = time.Minute

// buildCases wires the catalogue (seeded with the default services and
// teams where they are missing, so admins' edits survive restarts), cases,
// Open311 clients and the address lookup. Its gazetteer is the demo's made-up
// Plymouth addresses; a council's own (its LLPG, or OS Places) is a
// catalogue.Gazetteer put in deps.Gazetteer here instead.
func (m *Main) buildCases(ctx context.Context, baseURL string, bundle *i18n.Bundle, deps *api.Deps) error {
	cat, err := catalogue.New(ctx, m.db, catalogue.Options{})
	if err != nil {
		return err
	}
	langs := make([]string, len(locales.Languages))
	for i, t := range locales.Languages {
		langs[i] = t.String()
	}
	teams, services := catalogue.Defaults(func(lang, id string) string { return locales.Localize(bundle, lang, id, nil) }, langs)
	if err := cat.Seed(ctx, teams, services); err != nil {
		return err
	}
	opts := cases.Options{Area: m.cfg.Area, Logger: m.logger, Tell: m.notify, Push: m.push, BaseURL: baseURL,
		Localize: func(lang, id string, data map[string]any) string { return locales.Localize(bundle, lang, id, data) }}
	if m.cases, err = cases.New(ctx, m.db, m.outbox, cat, opts); err != nil {
		return err
	}
	deps.Catalogue, deps.Cases, deps.Gazetteer = cat, m.cases, catalogue.DemoGazetteer()
	deps.Open311, err = open311.NewClients(ctx, m.db, nil)
	return err
}

// sweep marks breached items and removes unclaimed uploads until ctx ends.
func (m *Main) sweep(ctx context.Context) {
	t := time.NewTicker(sweepEvery)
	defer t.Stop()
	for {
		if _, err := m.cases.SweepBreaches(ctx); err != nil && ctx.Err() == nil {
			m.logger.Error("breach sweep failed", "error", err.Error())
		}
		if _, err := m.cases.SweepAttachments(ctx); err != nil && ctx.Err() == nil {
			m.logger.Error("attachment sweep failed", "error", err.Error())
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// kioskSweepEvery is how often kiosk sessions idle past their timeout are
// ended. Their tokens are refused from the timeout on anyway; the sweep
// frees the terminal and closes the session's log.
const kioskSweepEvery = 10 * time.Second

// sweepKiosk ends idle kiosk sessions until ctx ends.
func (m *Main) sweepKiosk(ctx context.Context) {
	t := time.NewTicker(kioskSweepEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if _, err := m.kiosk.SweepIdle(ctx); err != nil && ctx.Err() == nil {
			m.logger.Error("kiosk idle sweep failed", "error", err.Error())
		}
	}
}
