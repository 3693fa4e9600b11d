package bundler

import (
	"os"
	"path/filepath"
	"testing"
)

// TestRenderEmailSample writes the sample digest to disk for a look in a
// browser or mail client: set DUEHUB_DIGEST_SAMPLE to a directory to keep
// it (the default is the test's temporary directory). Gmail clips a
// message over 102 KB, hiding the footer with the unsubscribe link.
func TestRenderEmailSample(t *testing.T) {
	dir := os.Getenv("DUEHUB_DIGEST_SAMPLE")
	if dir == "" {
		dir = t.TempDir()
	}
	subject, text, html, err := RenderEmail(sampleDigest(t))
	if err != nil {
		t.Fatal(err)
	}
	for name, body := range map[string]string{"digest.html": html, "digest.txt": "Subject: " + subject + "\n\n" + text} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("sample digest in %s (%d bytes of HTML)", dir, len(html))
	if len(html) > 102*1024 {
		t.Errorf("sample HTML is %d bytes: Gmail would clip it and hide the unsubscribe link", len(html))
	}
}
