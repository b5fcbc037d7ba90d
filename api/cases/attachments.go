package cases

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"time"

	"frontdoor/api/catalogue"
	"frontdoor/api/store"
)

// Attachment is an uploaded photo, cleaned and stored in the blob store.
// It is claimed by the first case item that names it; unclaimed ones are
// swept after AttachmentTTL.
type Attachment struct {
	store.Meta
	BlobID    string    `json:"blob_id"`
	Owner     string    `json:"owner,omitempty"` // the uploader's account; "" when not signed in
	Claimed   bool      `json:"claimed"`
	CaseID    string    `json:"case_id,omitempty"`
	ItemID    string    `json:"item_id,omitempty"`
	Width     int       `json:"width"`
	Height    int       `json:"height"`
	Size      int64     `json:"size"`
	CreatedAt time.Time `json:"created_at"`
}

// Limits of attachments.
const (
	MaxPhotosPerItem = 5
	AttachmentTTL    = 24 * time.Hour
	photosAtOnce     = 2 // photos cleaned at the same time by one process
)

// Upload cleans a photo (type by content, size, pixels, no EXIF) and keeps
// it until a case claims it. Its id is random, not time-ordered: someone
// who has not uploaded it cannot guess it.
func (s *Service) Upload(ctx context.Context, owner string, data []byte) (*Attachment, error) {
	if len(data) > MaxPhotoBytes {
		return nil, ErrPhotoTooBig
	}
	select { // a 40-megapixel photo takes hundreds of MB to decode: a few at a time
	case s.cleaning <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	p, err := CleanPhoto(data)
	<-s.cleaning
	if err != nil {
		return nil, err
	}
	info, err := s.db.Blobs().Put(ctx, bytes.NewReader(p.JPEG), store.PutOptions{ContentType: "image/jpeg", MaxSize: MaxPhotoBytes})
	if err != nil {
		return nil, err
	}
	a := &Attachment{BlobID: info.ID, Owner: owner, Width: p.Width, Height: p.Height, Size: info.Size, CreatedAt: s.now()}
	a.ID = randomID()
	if err := s.photos.Insert(ctx, a); err != nil {
		_ = s.db.Blobs().Delete(ctx, info.ID)
		return nil, err
	}
	return a, nil
}

func randomID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return hex.EncodeToString(b)
}

// usable says whether the uploader may put the attachment on a new case.
func (a *Attachment) usable(owner string) bool { return !a.Claimed && a.Owner == owner }

// checkPhotos checks, before any write, that every photo named is an
// unclaimed upload of the same person, and that no item has too many.
func (s *Service) checkPhotos(ctx context.Context, owner string, items []checkedItem) error {
	var ck checker
	for _, ci := range items {
		for _, ref := range ci.answers.Photos {
			a, err := s.photos.Get(ctx, ref.ID)
			if err != nil && !errors.Is(err, ErrNotFound) {
				return err
			}
			if err != nil || !a.usable(owner) {
				ck.Add(ref.Pointer, MsgPhotoUnknown)
			}
		}
	}
	return ck.Err()
}

// claimPhotos ties an item's photos to it, in the case's transaction; a
// photo claimed meanwhile by a racing request fails the whole case.
func (s *Service) claimPhotos(ctx context.Context, owner string, c *Case, it *Item, refs []catalogue.PhotoRef) error {
	for _, ref := range refs {
		a, err := s.photos.Get(ctx, ref.ID)
		if err != nil {
			return err
		}
		if !a.usable(owner) {
			return &ValidationError{Fields: []FieldError{{Pointer: ref.Pointer, ID: MsgPhotoUnknown}}}
		}
		a.Claimed, a.CaseID, a.ItemID = true, c.ID, it.ID
		if err := s.photos.Replace(ctx, a); err != nil {
			return err
		}
	}
	return nil
}

// Photo opens a photo of a case; the caller has already been allowed to see
// the case (OwnerPhoto, StaffPhoto).
func (s *Service) photo(ctx context.Context, c *Case, id string) (io.ReadCloser, store.BlobInfo, error) {
	a, err := s.photos.Get(ctx, id)
	if err != nil {
		return nil, store.BlobInfo{}, err
	}
	if a.CaseID != c.ID {
		return nil, store.BlobInfo{}, ErrNotFound
	}
	return s.db.Blobs().Open(ctx, a.BlobID)
}

// OwnerPhoto opens a photo of the requester's own case.
func (s *Service) OwnerPhoto(ctx context.Context, rq Requester, ref, id string) (io.ReadCloser, store.BlobInfo, error) {
	c, err := s.caseByRef(ctx, ref)
	if err != nil {
		return nil, store.BlobInfo{}, err
	}
	if !c.owns(rq) {
		return nil, store.BlobInfo{}, ErrNotFound
	}
	return s.photo(ctx, c, id)
}

// StaffPhoto opens a photo of a case for staff of one of its teams.
func (s *Service) StaffPhoto(ctx context.Context, st Staff, ref, id string) (io.ReadCloser, store.BlobInfo, error) {
	c, _, err := s.staffCase(ctx, st, ref)
	if err != nil {
		return nil, store.BlobInfo{}, err
	}
	return s.photo(ctx, c, id)
}

// SweepAttachments deletes uploads no case claimed within AttachmentTTL,
// blob first, so nothing is left pointing at a missing file.
func (s *Service) SweepAttachments(ctx context.Context) (int, error) {
	cutoff := s.now().Add(-AttachmentTTL)
	page, err := s.photos.Find(ctx, store.Query{Where: []store.Cond{store.Eq(fClaimed, false), store.Lt(fCreatedAt, cutoff)},
		Sort: fCreatedAt, Limit: store.MaxLimit})
	if err != nil {
		return 0, err
	}
	n := 0
	for _, a := range page.Items {
		if err := s.db.Blobs().Delete(ctx, a.BlobID); err != nil && !errors.Is(err, ErrNotFound) {
			return n, err
		}
		if err := s.photos.Delete(ctx, a.ID); err != nil && !errors.Is(err, ErrNotFound) {
			return n, err
		}
		n++
	}
	return n, nil
}
