package branding

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/png"
	"strings"
	"testing"
)

// testPNG encodes a w×h image.
func testPNG(t testing.TB, w, h int) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for x := range w {
		img.Set(x, x%h, color.NRGBA{R: 31, G: 78, B: 121, A: 255})
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestCleanLogo: a PNG is re-encoded (what trails it is gone), an SVG is
// sanitised; anything else, too large, too small or too many pixels is
// refused.
func TestCleanLogo(t *testing.T) {
	raw := append(testPNG(t, 64, 32), []byte("<script>alert(1)</script>")...)
	l, err := CleanLogo(raw)
	if err != nil || l.Type != TypePNG || l.ContentType() != "image/png" || len(l.Hash) != 20 {
		t.Fatalf("CleanLogo(png) = %+v, %v", l.Type, err)
	}
	if bytes.Contains(l.Data, []byte("script")) {
		t.Error("bytes after the PNG's end survived re-encoding")
	}
	if cfg, err := png.DecodeConfig(bytes.NewReader(l.Data)); err != nil || cfg.Width != 64 || cfg.Height != 32 {
		t.Errorf("re-encoded PNG: %+v, %v", cfg, err)
	}
	s, err := CleanLogo([]byte("\xef\xbb\xbf\n" + goodSVG))
	if err != nil || s.Type != TypeSVG || s.ContentType() != "image/svg+xml" || s.Hash == l.Hash {
		t.Fatalf("CleanLogo(svg) = %+v, %v", s.Type, err)
	}
	// A PNG header claiming 100000×100000 pixels is refused before decoding.
	huge := testPNG(t, 16, 16)
	copy(huge[16:24], []byte{0, 1, 0x86, 0xa0, 0, 1, 0x86, 0xa0})
	binary.BigEndian.PutUint32(huge[29:33], crc32.ChecksumIEEE(huge[12:29]))
	for name, c := range map[string]struct {
		b   []byte
		why string
	}{
		"empty":       {nil, "empty"},
		"gif":         {[]byte("GIF89a\x01\x00\x01\x00"), "PNG or an SVG"},
		"jpeg":        {[]byte("\xff\xd8\xff\xe0\x00\x10JFIF"), "PNG or an SVG"},
		"html":        {[]byte("<html><script>alert(1)</script></html>"), "not an SVG"},
		"truncated":   {testPNG(t, 64, 64)[:60], "not a valid PNG"},
		"too big":     {append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, MaxLogoBytes)...), "larger than 256 KB"},
		"too wide":    {testPNG(t, MaxLogoPixels+1, 16), "at most 1024"},
		"too small":   {testPNG(t, 8, 8), "at least 16"},
		"bomb":        {huge, "at most 1024"},
		"hostile svg": {[]byte(`<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>`), "event handler"},
	} {
		if _, err := CleanLogo(c.b); !errors.Is(err, ErrLogo) || !strings.Contains(err.Error(), c.why) {
			t.Errorf("%s: CleanLogo error = %v; want one saying %q", name, err, c.why)
		}
	}
}
