package main

import (
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"

	"frontdoor/api/catalogue"
)

// Config is everything frontdoor reads from its environment and flags.
// It lives here only; constructors get plain values copied out of it.
type Config struct {
	Addr           string
	DataDir        string
	MongoURI       string
	MongoDB        string
	BaseURL        string
	Env            string
	LogLevel       slog.Level
	CORSOrigins    []string
	TrustedProxies []string
	RateLimit      float64
	RateBurst      int
	BodyLimit      int
	OutboxWorkers  int
	Secret         string         // FRONTDOOR_SECRET; never printed
	Area           catalogue.Area // where the council's services are; reports elsewhere are refused

	VAPIDSubject string   // how push services reach the council: mailto: or https:
	PushHosts    []string // push service hosts subscriptions may use; empty: push.DefaultHosts
	SMTP         SMTPConfig
	GovNotify    GovNotifyConfig
}

// SMTPConfig is a mail server for email; Addr empty means none.
type SMTPConfig struct{ Addr, Username, Password, From string }

// GovNotifyConfig is GOV.UK Notify for email and SMS; APIKey empty means none.
type GovNotifyConfig struct{ URL, APIKey, EmailTemplate, SMSTemplate string }

// Production reports whether the unsafe-setting checks apply.
func (c Config) Production() bool { return c.Env == "production" }

// ConfigError names the setting that is wrong; main prints it and exits 2.
type ConfigError struct {
	Name, Problem string
}

func (e *ConfigError) Error() string { return e.Name + ": " + e.Problem }

// setting is one configuration value: its variable, flag, default and parser.
type setting struct {
	env, flag, def, usage string
	set                   func(c *Config, v string) error
}

var settings = []setting{
	{"FRONTDOOR_ADDR", "addr", "127.0.0.1:8080", "listen address (host:port)", func(c *Config, v string) error {
		if _, _, err := net.SplitHostPort(v); err != nil {
			return fmt.Errorf("must be host:port, got %q", v)
		}
		c.Addr = v
		return nil
	}},
	{"FRONTDOOR_DATA_DIR", "data-dir", "./data", "folder for the SQLite file, blobs and the development secret", func(c *Config, v string) error {
		if v == "" {
			return fmt.Errorf("must not be empty")
		}
		c.DataDir = filepath.Clean(v)
		return nil
	}},
	{"FRONTDOOR_MONGODB_URI", "mongodb-uri", "", "MongoDB connection string; when set, MongoDB is used instead of SQLite", func(c *Config, v string) error {
		if v != "" && !strings.HasPrefix(v, "mongodb://") && !strings.HasPrefix(v, "mongodb+srv://") {
			return fmt.Errorf("must start with mongodb:// or mongodb+srv://")
		}
		c.MongoURI = v
		return nil
	}},
	{"FRONTDOOR_MONGODB_DB", "mongodb-db", "frontdoor", "MongoDB database name", func(c *Config, v string) error {
		if v == "" || strings.ContainsAny(v, "/\\. \"$*<>:|?") || len(v) > 63 {
			return fmt.Errorf("must be a valid database name, got %q", v)
		}
		c.MongoDB = v
		return nil
	}},
	{"FRONTDOOR_BASE_URL", "base-url", "", "public URL residents use (https in production); default http://<addr>", func(c *Config, v string) error {
		if v == "" {
			return nil
		}
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			return fmt.Errorf("must be an absolute http(s) URL without query, got %q", v)
		}
		c.BaseURL = strings.TrimRight(v, "/")
		return nil
	}},
	{"FRONTDOOR_ENV", "env", "development", "development or production", func(c *Config, v string) error {
		if v != "development" && v != "production" {
			return fmt.Errorf("must be development or production, got %q", v)
		}
		c.Env = v
		return nil
	}},
	{"FRONTDOOR_LOG_LEVEL", "log-level", "info", "debug, info, warn or error", func(c *Config, v string) error {
		return c.LogLevel.UnmarshalText([]byte(v))
	}},
	{"FRONTDOOR_CORS_ORIGINS", "cors-origins", "", "comma-separated origins allowed to call the API from a browser; empty: none", func(c *Config, v string) error {
		c.CORSOrigins = nil
		for _, o := range splitList(v) {
			u, err := url.Parse(o)
			if o != "*" && (err != nil || u.Scheme == "" || u.Host == "" || u.Path != "") {
				return fmt.Errorf("%q is not an origin like https://example.org", o)
			}
			c.CORSOrigins = append(c.CORSOrigins, o)
		}
		return nil
	}},
	{"FRONTDOOR_TRUSTED_PROXIES", "trusted-proxies", "", "comma-separated proxy IPs or CIDRs whose X-Forwarded-For is believed", func(c *Config, v string) error {
		c.TrustedProxies = nil
		for _, p := range splitList(v) {
			if net.ParseIP(p) == nil {
				if _, _, err := net.ParseCIDR(p); err != nil {
					return fmt.Errorf("%q is not an IP address or CIDR", p)
				}
			}
			c.TrustedProxies = append(c.TrustedProxies, p)
		}
		return nil
	}},
	{"FRONTDOOR_RATE_LIMIT", "rate-limit", "20", "requests per second allowed per client; 0 turns limiting off", func(c *Config, v string) error {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f < 0 || f > 1e6 {
			return fmt.Errorf("must be a number from 0 to 1000000, got %q", v)
		}
		c.RateLimit = f
		return nil
	}},
	{"FRONTDOOR_RATE_BURST", "rate-burst", "60", "requests a client may make at once before the rate applies", intSetting(1, 1e6, func(c *Config, n int) { c.RateBurst = n })},
	{"FRONTDOOR_BODY_LIMIT", "body-limit", "1048576", "largest request body in bytes", intSetting(1024, 64<<20, func(c *Config, n int) { c.BodyLimit = n })},
	{"FRONTDOOR_SECRET", "secret", "", "at least 32 characters of random text, the same on every replica (required in production; development generates one in the data dir)", func(c *Config, v string) error {
		if v != "" && len(v) < minSecretLength {
			return fmt.Errorf("must be at least %d characters, got %d", minSecretLength, len(v))
		}
		c.Secret = v
		return nil
	}},
	{"FRONTDOOR_AREA", "area", "plymouth", "the council's area: plymouth (the demo council), a box minLat,minLng,maxLat,maxLng, or a polygon \"lat lng; lat lng; lat lng; ...\"", func(c *Config, v string) error {
		if v == "plymouth" {
			c.Area = catalogue.Plymouth
			return nil
		}
		a, err := catalogue.ParseArea(v)
		c.Area = a
		return err
	}},
	{"FRONTDOOR_VAPID_SUBJECT", "vapid-subject", "", "how push services reach the council: mailto:address or https URL (required in production)", func(c *Config, v string) error {
		if v != "" && !strings.HasPrefix(v, "mailto:") && !strings.HasPrefix(v, "https://") {
			return fmt.Errorf("must start with mailto: or https://, got %q", v)
		}
		c.VAPIDSubject = v
		return nil
	}},
	{"FRONTDOOR_PUSH_HOSTS", "push-hosts", "", "comma-separated push service hosts browsers' subscriptions may use; empty: the major browsers' push services", func(c *Config, v string) error {
		c.PushHosts = splitList(v)
		return nil
	}},
	{"FRONTDOOR_SMTP_ADDR", "smtp-addr", "", "mail server host:port for email (STARTTLS required)", func(c *Config, v string) error {
		if v != "" {
			if _, _, err := net.SplitHostPort(v); err != nil {
				return fmt.Errorf("must be host:port, got %q", v)
			}
		}
		c.SMTP.Addr = v
		return nil
	}},
	{"FRONTDOOR_SMTP_USERNAME", "smtp-username", "", "mail server user name", func(c *Config, v string) error { c.SMTP.Username = v; return nil }},
	{"FRONTDOOR_SMTP_PASSWORD", "smtp-password", "", "mail server password; never printed", func(c *Config, v string) error { c.SMTP.Password = v; return nil }},
	{"FRONTDOOR_SMTP_FROM", "smtp-from", "", "the From address of email, e.g. \"Plymouth City Council <noreply@plymouth.gov.uk>\"", func(c *Config, v string) error { c.SMTP.From = v; return nil }},
	{"FRONTDOOR_NOTIFY_URL", "notify-url", "https://api.notifications.service.gov.uk", "GOV.UK Notify's API", func(c *Config, v string) error { c.GovNotify.URL = v; return nil }},
	{"FRONTDOOR_NOTIFY_API_KEY", "notify-api-key", "", "GOV.UK Notify API key; never printed", func(c *Config, v string) error { c.GovNotify.APIKey = v; return nil }},
	{"FRONTDOOR_NOTIFY_EMAIL_TEMPLATE", "notify-email-template", "", "GOV.UK Notify email template id (content: ((subject)) and ((body)))", func(c *Config, v string) error { c.GovNotify.EmailTemplate = v; return nil }},
	{"FRONTDOOR_NOTIFY_SMS_TEMPLATE", "notify-sms-template", "", "GOV.UK Notify text message template id (content: ((body)))", func(c *Config, v string) error { c.GovNotify.SMSTemplate = v; return nil }},
	{"FRONTDOOR_OUTBOX_WORKERS", "outbox-workers", "16", "workers delivering outbox jobs (mostly waiting on other systems, so more than cores)", intSetting(1, 256, func(c *Config, n int) { c.OutboxWorkers = n })},
}

func intSetting(lo, hi int, set func(*Config, int)) func(*Config, string) error {
	return func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < lo || n > hi {
			return fmt.Errorf("must be a whole number from %d to %d, got %q", lo, hi, v)
		}
		set(c, n)
		return nil
	}
}

func splitList(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// loadConfig reads the environment, then the flags of a subcommand, which
// override it. getenv is os.Getenv outside tests.
func loadConfig(fs *flag.FlagSet, args []string, getenv func(string) string) (Config, error) {
	values := map[string]*string{}
	for _, s := range settings {
		values[s.env] = fs.String(s.flag, "", s.usage+" (env "+s.env+", default \""+s.def+"\")")
	}
	if err := fs.Parse(args); err != nil {
		return Config{}, err
	}
	if fs.NArg() > 0 {
		return Config{}, &ConfigError{"arguments", fmt.Sprintf("unexpected %q", fs.Args())}
	}
	flagged := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { flagged[f.Name] = true })
	var c Config
	for _, s := range settings {
		v, name := s.def, s.env
		if e, ok := lookup(getenv, s.env); ok {
			v = e
		}
		if flagged[s.flag] {
			v, name = *values[s.env], "--"+s.flag
		}
		if err := s.set(&c, v); err != nil {
			return c, &ConfigError{name, err.Error()}
		}
	}
	return c, c.validate()
}

func lookup(getenv func(string) string, name string) (string, bool) {
	v := getenv(name)
	return v, v != ""
}

// validate checks what single settings cannot: combinations, and production's
// refusal of unsafe settings.
func (c *Config) validate() error {
	if c.SMTP.Addr != "" && c.SMTP.From == "" {
		return &ConfigError{"FRONTDOOR_SMTP_FROM", "must be set with FRONTDOOR_SMTP_ADDR"}
	}
	if c.GovNotify.APIKey != "" && c.GovNotify.EmailTemplate == "" && c.GovNotify.SMSTemplate == "" {
		return &ConfigError{"FRONTDOOR_NOTIFY_EMAIL_TEMPLATE", "set it or FRONTDOOR_NOTIFY_SMS_TEMPLATE with FRONTDOOR_NOTIFY_API_KEY"}
	}
	if !c.Production() {
		return nil // an empty BaseURL means "http:// and wherever we listen"
	}
	if c.VAPIDSubject == "" {
		return &ConfigError{"FRONTDOOR_VAPID_SUBJECT", "must be set in production (mailto:someone@council.example)"}
	}
	if c.SMTP.Addr == "" && c.GovNotify.EmailTemplate == "" {
		return &ConfigError{"FRONTDOOR_SMTP_ADDR", "production needs an email channel: a mail server or GOV.UK Notify (FRONTDOOR_NOTIFY_API_KEY and FRONTDOOR_NOTIFY_EMAIL_TEMPLATE)"}
	}
	if c.BaseURL == "" {
		return &ConfigError{"FRONTDOOR_BASE_URL", "must be set in production"}
	}
	if !strings.HasPrefix(c.BaseURL, "https://") {
		return &ConfigError{"FRONTDOOR_BASE_URL", "must be https in production, got " + c.BaseURL}
	}
	for _, o := range c.CORSOrigins {
		if o == "*" || strings.HasPrefix(o, "http://") {
			return &ConfigError{"FRONTDOOR_CORS_ORIGINS", "production allows only https origins, not " + o}
		}
	}
	if c.RateLimit == 0 {
		return &ConfigError{"FRONTDOOR_RATE_LIMIT", "must not be 0 (off) in production"}
	}
	if c.Secret == "" {
		return &ConfigError{"FRONTDOOR_SECRET", "must be set in production (e.g. openssl rand -base64 48)"}
	}
	return nil
}
