package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestMain lets a test start this very binary as the real frontdoor process.
func TestMain(m *testing.M) {
	if os.Getenv("FRONTDOOR_TEST_RUN_MAIN") == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

func testConfig(t *testing.T) Config {
	t.Helper()
	c, err := load(t, nil, map[string]string{"FRONTDOOR_ADDR": "127.0.0.1:0", "FRONTDOOR_DATA_DIR": t.TempDir(), "FRONTDOOR_LOG_LEVEL": "warn"})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestServeBootsOnSQLiteAndAnswers(t *testing.T) {
	cfg := testConfig(t)
	var out, logs bytes.Buffer
	m := NewMain(cfg, &out, &logs)
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	closed := false
	t.Cleanup(func() {
		if !closed {
			m.Close()
		}
	})
	base := "http://" + m.Addr()
	if !strings.Contains(out.String(), base+"/") {
		t.Errorf("printed %q, want the URL %s/", out.String(), base)
	}
	for path, want := range map[string]int{"/healthz": 200, "/readyz": 200, "/api/openapi.json": 200, "/metrics": 200, "/api/no-such-thing": 404} {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("GET %s = %d %s, want %d", path, resp.StatusCode, body, want)
		}
		if want == 404 && resp.Header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("404 content type %q", resp.Header.Get("Content-Type"))
		}
	}
	// The demo council's catalogue is loaded: make run shows real services.
	resp, err := http.Get(base + "/api/v1/services")
	if err != nil {
		t.Fatal(err)
	}
	var services struct{ Items []struct{ Code string } }
	json.NewDecoder(resp.Body).Decode(&services)
	resp.Body.Close()
	if len(services.Items) < 20 {
		t.Errorf("%d services in the demo catalogue", len(services.Items))
	}
	if _, err := os.Stat(filepath.Join(cfg.DataDir, "frontdoor.db")); err != nil {
		t.Errorf("no SQLite file in the data dir: %v", err)
	}
	if err := m.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	closed = true
	if _, err := http.Get(base + "/healthz"); err == nil {
		t.Error("the server still answers after Close")
	}
	if strings.Contains(logs.String(), `"level":"ERROR"`) {
		t.Errorf("errors logged: %s", logs.String())
	}
}

func TestMigrateIsIdempotent(t *testing.T) {
	dir := t.TempDir()
	for i := range 2 {
		var out, errs bytes.Buffer
		code := run(context.Background(), []string{"migrate", "--data-dir", dir}, env(map[string]string{"FRONTDOOR_LOG_LEVEL": "error"}), strings.NewReader(""), &out, &errs)
		if code != 0 || !strings.Contains(out.String(), "up to date") {
			t.Fatalf("migrate run %d: exit %d, out %q, err %q", i+1, code, out.String(), errs.String())
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "frontdoor.db")); err != nil {
		t.Fatalf("migrate made no store: %v", err)
	}
}

// TestSignalStopsGracefully runs the real process and sends it SIGTERM.
func TestSignalStopsGracefully(t *testing.T) {
	cmd := exec.Command(os.Args[0], "serve")
	cmd.Env = append(os.Environ(), "FRONTDOOR_TEST_RUN_MAIN=1", "FRONTDOOR_ADDR=127.0.0.1:0",
		"FRONTDOOR_DATA_DIR="+t.TempDir(), "FRONTDOOR_LOG_LEVEL=info")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	cmd.Stderr = &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		cmd.Process.Kill()
		t.Fatalf("no URL printed: %v; logs %s", err, logs.String())
	}
	url := regexp.MustCompile(`http://\S+/`).FindString(line)
	resp, err := http.Get(url + "readyz")
	if err != nil || resp.StatusCode != 200 {
		cmd.Process.Kill()
		t.Fatalf("readyz: %v %v", resp, err)
	}
	resp.Body.Close()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v; logs %s", err, logs.String())
		}
	case <-time.After(25 * time.Second):
		cmd.Process.Kill()
		t.Fatal("did not stop within 25 s of SIGTERM")
	}
	var sawStop bool
	for _, l := range strings.Split(logs.String(), "\n") {
		var entry struct{ Msg string }
		if json.Unmarshal([]byte(l), &entry) == nil && entry.Msg == "stopped" {
			sawStop = true
		}
	}
	if !sawStop {
		t.Errorf("no 'stopped' log line: %s", logs.String())
	}
}

// TestNoSMSChannelIsAClearAnswer: a council with a mail server but no text
// messages answers a sign-up by phone with a 400 that says to use email,
// not a server error, and sends nothing.
func TestNoSMSChannelIsAClearAnswer(t *testing.T) {
	c, err := load(t, nil, map[string]string{"FRONTDOOR_ADDR": "127.0.0.1:0", "FRONTDOOR_DATA_DIR": t.TempDir(),
		"FRONTDOOR_LOG_LEVEL": "warn", "FRONTDOOR_SMTP_ADDR": "127.0.0.1:1", "FRONTDOOR_SMTP_FROM": "noreply@council.example"})
	if err != nil {
		t.Fatal(err)
	}
	var out, logs bytes.Buffer
	m := NewMain(c, &out, &logs)
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	resp, err := http.Post("http://"+m.Addr()+"/api/v1/auth/register", "application/json",
		strings.NewReader(`{"phone": "07700 900123", "password": "a long passphrase of mine", "name": "Sam"}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var p struct{ Type, Detail string }
	json.NewDecoder(resp.Body).Decode(&p)
	if resp.StatusCode != 400 || !strings.HasSuffix(p.Type, "/channel-unavailable") || !strings.Contains(p.Detail, "email") {
		t.Fatalf("sign-up by phone without SMS: %d %+v", resp.StatusCode, p)
	}
}
