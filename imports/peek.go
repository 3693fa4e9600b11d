package imports

import (
	"bufio"
	"bytes"
	"io"
)

// peeker is a buffered reader that can look at the first line before the
// CSV reader consumes it.
type peeker struct{ *bufio.Reader }

func newPeeker(r io.Reader) peeker { return peeker{bufio.NewReaderSize(r, 64<<10)} }

// peekLine returns up to the first newline within the buffer, unconsumed.
func (p peeker) peekLine() ([]byte, error) {
	b, err := p.Peek(64 << 10)
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		return b[:i], nil
	}
	return b, err
}
