package flowlog

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/pfsim/pfsim/ingest/source"
)

// FuzzReader: no input makes the Reader panic or read without end; every
// error is a *source.Error at a line of the file (and reading goes on) or
// ends the file for good; every record read, written back in the default
// format and read again, is the same record. The seeds are AWS's example
// logs, whole, cut, gzipped, and a few broken lines.
func FuzzReader(f *testing.F) {
	files, err := filepath.Glob("testdata/*.log")
	if err != nil || len(files) == 0 {
		f.Fatalf("no seed logs: %v", err)
	}
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
		f.Add(data[:len(data)/2])
		var z bytes.Buffer
		zw := gzip.NewWriter(&z)
		_, _ = zw.Write(data)
		_ = zw.Close()
		f.Add(z.Bytes())
	}
	f.Add([]byte("${interface-id} ${srcaddr} ${log-status}\neni-1 ::ffff:10.0.0.1 OK\n"))
	f.Add([]byte("2 1 eni-1 10.0.0.1 fe80::1%eth0 1 2 6 1 1 1 1 ACCEPT OK\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rd, err := NewReader(bytes.NewReader(data), "fuzz.log")
		if err != nil {
			return
		}
		var r Record
		for i := 0; ; i++ {
			if i > len(data)*1100+10 {
				t.Fatalf("no end after %d records", i)
			}
			err := rd.Next(&r)
			if err == io.EOF {
				return
			}
			var se *source.Error
			if errors.As(err, &se) {
				if se.Pos.File != "fuzz.log" || se.Pos.Line != rd.Line() || se.Pos.Col < 1 {
					t.Fatalf("%v: not at a column of line %d", err, rd.Line())
				}
				continue
			}
			if err != nil {
				if again := rd.Next(&r); again != err {
					t.Fatalf("the error that ended the file changed: %v, then %v", err, again)
				}
				return
			}
			if r.Status != OK || !r.Has.Has(FieldSrcAddr) || !r.Has.Has(FieldDstAddr) || !r.Has.Has(FieldAccountID) {
				continue
			}
			// A record with what the default format holds reads back the
			// same from its text.
			text := r.String()
			back, err := NewReader(bytes.NewReader([]byte(text)), "back")
			if err != nil {
				t.Fatalf("%q: %v", text, err)
			}
			var r2 Record
			if err := back.Next(&r2); err != nil {
				t.Fatalf("%q does not read back: %v", text, err)
			}
			if r2.String() != text {
				t.Fatalf("%q reads back as %q", text, r2.String())
			}
		}
	})
}
