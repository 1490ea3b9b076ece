package flow

import (
	"encoding"
	"encoding/json"
	"reflect"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDecisionCompact: the decision the packet path fills holds no
// pointer (no string, no slice, no packet) and fits in 32 bytes
// (ARCHITECTURE: the compact decision).
func TestDecisionCompact(t *testing.T) {
	assert.LessOrEqual(t, unsafe.Sizeof(Decision{}), uintptr(32))
	typ := reflect.TypeFor[Decision]()
	for i := range typ.NumField() {
		f := typ.Field(i)
		switch f.Type.Kind() {
		case reflect.String, reflect.Pointer, reflect.Slice, reflect.Map, reflect.Interface, reflect.Struct:
			t.Errorf("field %s is a %s: the decision must stay small and pointer-free", f.Name, f.Type.Kind())
		}
	}
}

// textValue is one of the enums with a text form.
type textValue interface {
	encoding.TextMarshaler
	String() string
}

// TestEnumText: every value of each enum marshals to its String and reads
// back to itself, through JSON too; values beyond the last name are
// refused, and so is text that names none.
func TestEnumText(t *testing.T) {
	tests := []struct {
		name   string
		values []textValue
		fresh  func() encoding.TextUnmarshaler
		get    func(encoding.TextUnmarshaler) textValue
		bad    textValue
	}{
		{"verdict", []textValue{Verdict(0), Allow, Drop},
			func() encoding.TextUnmarshaler { return new(Verdict) },
			func(u encoding.TextUnmarshaler) textValue { return *u.(*Verdict) }, Verdict(3)},
		{"stage", []textValue{StageNone, StageNACL, StageSG, StageExempt},
			func() encoding.TextUnmarshaler { return new(StageKind) },
			func(u encoding.TextUnmarshaler) textValue { return *u.(*StageKind) }, StageKind(4)},
		{"conntrack", []textValue{CTNone, CTNew, CTEstablished, CTUntracked, CTExempt},
			func() encoding.TextUnmarshaler { return new(CTState) },
			func(u encoding.TextUnmarshaler) textValue { return *u.(*CTState) }, CTState(5)},
		{"direction", []textValue{Ingress, Egress},
			func() encoding.TextUnmarshaler { return new(Direction) },
			func(u encoding.TextUnmarshaler) textValue { return *u.(*Direction) }, Direction(2)},
		{"connection state", []textValue{StateNone, StateSynSent, StateSynRecv, StateEstablished, StateFinWait,
			StateCloseWait, StateLastAck, StateTimeWait, StateClose, StateUDP, StateUDPStream, StateICMP, StateGeneric},
			func() encoding.TextUnmarshaler { return new(ConnState) },
			func(u encoding.TextUnmarshaler) textValue { return *u.(*ConnState) }, ConnState(13)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			seen := map[string]bool{}
			for _, v := range tt.values {
				b, err := v.MarshalText()
				require.NoError(t, err, "%v", v)
				assert.Equal(t, v.String(), string(b))
				assert.False(t, seen[string(b)], "%q names two values", b)
				seen[string(b)] = true
				u := tt.fresh()
				require.NoError(t, u.UnmarshalText(b))
				assert.Equal(t, v, tt.get(u), "%q reads back", b)

				j, err := json.Marshal(v)
				require.NoError(t, err)
				u = tt.fresh()
				require.NoError(t, json.Unmarshal(j, u))
				assert.Equal(t, v, tt.get(u), "%s reads back from JSON", j)
			}
			_, err := tt.bad.MarshalText()
			assert.Error(t, err, "a value with no name")
			u := tt.fresh()
			err = u.UnmarshalText([]byte("sideways"))
			require.Error(t, err)
			assert.Contains(t, err.Error(), `"sideways"`, "the error quotes the text")
		})
	}
}

// FuzzEnumText: whatever text a verdict, stage, tracking outcome,
// direction or connection state accepts marshals back to that same text.
func FuzzEnumText(f *testing.F) {
	for _, s := range []string{"allow", "drop", "none", "nacl", "sg", "exempt", "new", "established",
		"ingress", "egress", "SYN_SENT", "UDP_STREAM", "", "Allow", "INVALID"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		check := func(u interface {
			encoding.TextUnmarshaler
			encoding.TextMarshaler
		}) {
			if u.UnmarshalText([]byte(s)) != nil {
				return
			}
			b, err := u.MarshalText()
			if err != nil || string(b) != s {
				t.Fatalf("%T: %q read back as %q (%v)", u, s, b, err)
			}
		}
		check(new(Verdict))
		check(new(StageKind))
		check(new(CTState))
		check(new(Direction))
		check(new(ConnState))
	})
}
