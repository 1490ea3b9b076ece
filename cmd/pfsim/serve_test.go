package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// serve listens where it is told, serves the page, the lessons and the run
// endpoint, and stops when its context ends.
func TestServe(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	var out, errOut bytes.Buffer
	done := make(chan int, 1)
	go func() { done <- serve(ctx, "127.0.0.1:0", &out, &errOut, ready) }()
	var addr string
	select {
	case addr = <-ready:
	case code := <-done:
		t.Fatalf("serve ended with %d: %s", code, errOut.String())
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not start")
	}
	base := "http://" + addr
	client := &http.Client{Timeout: 10 * time.Second}

	r, err := client.Get(base + "/?lesson=07-idle-timeouts")
	require.NoError(t, err)
	body, _ := io.ReadAll(r.Body)
	r.Body.Close()
	assert.Equal(t, http.StatusOK, r.StatusCode)
	assert.Contains(t, string(body), "pfsim lessons")

	r, err = client.Get(base + "/lessons/07-idle-timeouts.yaml")
	require.NoError(t, err)
	lessonText, _ := io.ReadAll(r.Body)
	r.Body.Close()
	require.Equal(t, http.StatusOK, r.StatusCode)

	r, err = client.Post(base+"/api/run?file=07.yaml", "text/yaml", bytes.NewReader(lessonText))
	require.NoError(t, err)
	var view struct {
		Steps  []struct{ Result string } `json:"steps"`
		Failed int                       `json:"failed"`
	}
	require.NoError(t, json.NewDecoder(r.Body).Decode(&view))
	r.Body.Close()
	assert.Len(t, view.Steps, 24)
	assert.Zero(t, view.Failed)

	cancel()
	select {
	case code := <-done:
		assert.Equal(t, exitOK, code)
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop")
	}
	assert.Contains(t, out.String(), "lessons at "+base+"/")
}

func TestServeFlags(t *testing.T) {
	for _, c := range []struct {
		args []string
		code int
		out  string
	}{
		{[]string{"serve", "--help"}, exitOK, "Usage: pfsim serve"},
		{[]string{"help", "serve"}, exitOK, "--export DIR"},
		{[]string{"serve", "--port", "1"}, exitInvalid, "unknown flag --port"},
		{[]string{"serve", "--addr"}, exitInvalid, "--addr needs a value"},
		{[]string{"serve", "file.yaml"}, exitInvalid, `unexpected argument "file.yaml"`},
		{[]string{"serve", "--addr", "256.0.0.1:1"}, exitFailed, "pfsim serve: cannot listen on 256.0.0.1:1: "},
		{[]string{"serve", "--addr", "bad"}, exitInvalid, `pfsim serve: --addr "bad": want HOST:PORT`},
		{[]string{"serve", "--addr", ":99999"}, exitInvalid, `port "99999" is not a number 0..65535`},
		{[]string{"serve", "--addr", "localhost:http"}, exitInvalid, `port "http" is not a number`},
	} {
		code, out, errOut := pfsim(c.args...)
		assert.Equal(t, c.code, code, c.args)
		assert.Contains(t, out+errOut, c.out, c.args)
	}
	assert.True(t, strings.Contains(usage(), "pfsim serve"), "the usage names the command")
}
