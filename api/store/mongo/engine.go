// Package mongo is the MongoDB engine of the storage contract (package store):
// documents keyed by the store's id in _id, declared indexes as real MongoDB
// indexes (partial unique, TTL), transactions in sessions on a replica set,
// and GridFS for blobs. Writes and reads use majority concerns on the primary,
// so what one request wrote, the next one reads, across a failover too.
package mongo

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"time"

	driver "go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/mongo/readconcern"
	"go.mongodb.org/mongo-driver/v2/mongo/readpref"
	"go.mongodb.org/mongo-driver/v2/mongo/writeconcern"

	"frontdoor/api/store"
)

// DefaultDatabase is used when Options.Database is empty.
const DefaultDatabase = "frontdoor"

// Timeouts that apply unless the connection string sets its own.
const (
	connectTimeout         = 10 * time.Second
	serverSelectionTimeout = 15 * time.Second
	closeTimeout           = 10 * time.Second
)

// Options configure Open.
type Options struct {
	URI      string       // FRONTDOOR_MONGODB_URI
	Database string       // FRONTDOOR_MONGODB_DB, default "frontdoor"
	Logger   *slog.Logger // may be nil
}

// Engine is the MongoDB store.Engine.
type Engine struct {
	client    *driver.Client
	db        *driver.Database
	log       *slog.Logger
	blobs     *blobs
	txOpts    *options.TransactionOptionsBuilder
	closeOnce sync.Once
	closeErr  error
}

var _ store.Engine = (*Engine)(nil)

// Open connects to the deployment the URI names and pings its primary.
func Open(ctx context.Context, opts Options) (*Engine, error) {
	if opts.URI == "" {
		return nil, errors.New("mongo: no connection string")
	}
	name := opts.Database
	if name == "" {
		name = DefaultDatabase
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	client, err := driver.Connect(clientOptions(opts.URI))
	if err != nil {
		// Not wrapped: the driver's message may quote the URI, credentials and all.
		return nil, errors.New("mongo: connection string: " + redact(err.Error(), opts.URI))
	}
	if err := client.Ping(ctx, readpref.Primary()); err != nil {
		_ = client.Disconnect(context.WithoutCancel(ctx))
		return nil, fmt.Errorf("mongo: ping the primary: %w", err)
	}
	db := client.Database(name)
	log.Info("mongo: connected", "database", name)
	return &Engine{
		client: client,
		db:     db,
		log:    log,
		blobs:  newBlobs(db, log),
		txOpts: options.Transaction().
			SetReadConcern(readconcern.Snapshot()).
			SetWriteConcern(writeconcern.Majority()).
			SetReadPreference(readpref.Primary()),
	}, nil
}

// clientOptions start from our timeouts (the URI may override them) and then
// insist on the guarantees the contract needs, whatever the URI says.
func clientOptions(uri string) *options.ClientOptions {
	return options.Client().
		SetAppName("frontdoor").
		SetConnectTimeout(connectTimeout).
		SetServerSelectionTimeout(serverSelectionTimeout).
		ApplyURI(uri).
		SetWriteConcern(writeconcern.Majority()).
		SetReadConcern(readconcern.Majority()).
		SetReadPreference(readpref.Primary()).
		SetRetryWrites(true).
		SetRetryReads(true)
}

// redact hides the URI's user information (user name and password, raw and
// unescaped) in msg.
func redact(msg, uri string) string {
	_, rest, ok := strings.Cut(uri, "://")
	at := strings.LastIndex(rest, "@")
	if !ok || at <= 0 {
		return msg
	}
	info := rest[:at]
	user, pass, _ := strings.Cut(info, ":")
	secrets := []string{info, user, pass}
	for _, s := range secrets[:3] {
		if u, err := url.PathUnescape(s); err == nil && u != s {
			secrets = append(secrets, u)
		}
	}
	for _, s := range secrets {
		if s != "" {
			msg = strings.ReplaceAll(msg, s, "REDACTED")
		}
	}
	return msg
}

// Collection creates the collection (transactions cannot rely on creating it
// implicitly) and its declared indexes.
func (e *Engine) Collection(ctx context.Context, spec store.CollectionSpec) (store.Driver, error) {
	ctx = outsideTx(ctx)
	if err := createCollection(ctx, e.db, spec.Name); err != nil {
		return nil, err
	}
	coll := e.db.Collection(spec.Name)
	if err := ensureIndexes(ctx, coll, spec, e.log); err != nil {
		return nil, err
	}
	declared := make(map[string]bool, len(spec.Indexes))
	for _, ix := range spec.Indexes {
		declared[ix.Name] = true
	}
	return &collection{name: spec.Name, coll: coll, indexes: declared}, nil
}

// Tx runs fn in a transaction with snapshot reads and majority commit. The
// driver retries fn on transient conflicts; a Tx inside fn joins this one.
func (e *Engine) Tx(ctx context.Context, fn func(ctx context.Context) error) error {
	if s := driver.SessionFromContext(ctx); s != nil && s.TransactionRunning() {
		return fn(ctx)
	}
	sess, err := e.client.StartSession()
	if err != nil {
		return fmt.Errorf("mongo: start session: %w", err)
	}
	defer sess.EndSession(context.WithoutCancel(ctx))
	var fnErr error
	_, err = sess.WithTransaction(ctx, func(ctx context.Context) (any, error) {
		fnErr = fn(ctx)
		return nil, fnErr
	}, e.txOpts)
	if err == nil || errors.Is(err, fnErr) {
		return err
	}
	return fmt.Errorf("mongo: transaction: %w", err)
}

// outsideTx strips any session from ctx, for work that must not join a
// transaction: creating collections and indexes, and blobs (which the
// contract keeps out of transactions).
func outsideTx(ctx context.Context) context.Context {
	return driver.NewSessionContext(ctx, nil)
}

func (e *Engine) Blobs() store.Blobs { return e.blobs }

// Ping asks the primary, which every write and read goes to.
func (e *Engine) Ping(ctx context.Context) error {
	if err := e.client.Ping(outsideTx(ctx), readpref.Primary()); err != nil {
		return fmt.Errorf("mongo: ping: %w", err)
	}
	return nil
}

// Close disconnects, waiting a little for operations in flight; it is safe to
// call more than once.
func (e *Engine) Close() error {
	e.closeOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
		defer cancel()
		if err := e.client.Disconnect(ctx); err != nil {
			e.closeErr = fmt.Errorf("mongo: disconnect: %w", err)
		}
	})
	return e.closeErr
}
