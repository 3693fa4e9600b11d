package branding

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"image/png"
)

const (
	// MaxLogoBytes is the largest logo accepted: a logo is shown at most
	// 48 px high, and every digest email links to it.
	MaxLogoBytes = 256 << 10
	// MaxLogoPixels bounds a PNG's width and height, checked from its
	// header before its pixels are decoded (a small file can claim a huge
	// image), and MinLogoPixels keeps a logo legible.
	MaxLogoPixels = 1024
	MinLogoPixels = 16
)

// Logo types.
const (
	TypePNG = "png"
	TypeSVG = "svg"
)

// Logo is a checked logo, ready to store and serve.
type Logo struct {
	Type string // TypePNG or TypeSVG
	Data []byte
	Hash string // of Data: names the file, so a new logo gets a new URL
}

// ContentType is the logo's media type.
func (l Logo) ContentType() string { return ContentType(l.Type) }

// ContentType is the media type of a logo type.
func ContentType(typ string) string {
	if typ == TypeSVG {
		return "image/svg+xml"
	}
	return "image/png"
}

var pngMagic = []byte("\x89PNG\r\n\x1a\n")

// CleanLogo checks an uploaded file by its content, never by its name or
// the type the browser claimed: a PNG is decoded and encoded again (which
// drops its metadata chunks and anything appended), anything else must be
// an SVG that SanitizeSVG accepts.
func CleanLogo(b []byte) (Logo, error) {
	if len(b) == 0 {
		return Logo{}, refuse("is empty")
	}
	if len(b) > MaxLogoBytes {
		return Logo{}, refuse("is larger than %d KB", MaxLogoBytes>>10)
	}
	var l Logo
	var err error
	switch {
	case bytes.HasPrefix(b, pngMagic):
		l.Type = TypePNG
		l.Data, err = cleanPNG(b)
	case looksLikeXML(b):
		l.Type = TypeSVG
		l.Data, err = SanitizeSVG(b)
	default:
		return Logo{}, refuse("must be a PNG or an SVG image")
	}
	if err != nil {
		return Logo{}, err
	}
	sum := sha256.Sum256(l.Data)
	l.Hash = hex.EncodeToString(sum[:10])
	return l, nil
}

func looksLikeXML(b []byte) bool {
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	b = bytes.TrimLeft(b, " \t\r\n")
	return bytes.HasPrefix(b, []byte("<"))
}

func cleanPNG(b []byte) ([]byte, error) {
	cfg, err := png.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		return nil, refuse("is not a valid PNG image")
	}
	if cfg.Width > MaxLogoPixels || cfg.Height > MaxLogoPixels {
		return nil, refuse("is %d×%d pixels; at most %d×%d are accepted", cfg.Width, cfg.Height, MaxLogoPixels, MaxLogoPixels)
	}
	if cfg.Width < MinLogoPixels || cfg.Height < MinLogoPixels {
		return nil, refuse("is %d×%d pixels; at least %d×%d are needed", cfg.Width, cfg.Height, MinLogoPixels, MinLogoPixels)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		return nil, refuse("is not a valid PNG image")
	}
	var out bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(&out, img); err != nil {
		return nil, refuse("could not be re-encoded")
	}
	if out.Len() > MaxLogoBytes {
		return nil, refuse("is larger than %d KB once its metadata is removed", MaxLogoBytes>>10)
	}
	return out.Bytes(), nil
}
