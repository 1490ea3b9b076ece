package terraform

import (
	"errors"
	"fmt"
	"math/big"
	"net/netip"
	"sync"

	"github.com/hashicorp/hcl/v2/ext/tryfunc"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"
	"github.com/zclconf/go-cty/cty/gocty"
)

// functions returns the Terraform functions the reader evaluates: go-cty's
// standard library under Terraform's names, the type conversions, try and
// can, and the CIDR functions written here. Functions that read files or
// the environment (file, templatefile, timestamp, uuid) are left out: a
// call to one is an error that names it.
var functions = sync.OnceValue(func() map[string]function.Function {
	return map[string]function.Function{
		"abs": stdlib.AbsoluteFunc, "ceil": stdlib.CeilFunc, "floor": stdlib.FloorFunc,
		"max": stdlib.MaxFunc, "min": stdlib.MinFunc, "parseint": stdlib.ParseIntFunc,
		"pow": stdlib.PowFunc, "signum": stdlib.SignumFunc, "log": stdlib.LogFunc,

		"chomp": stdlib.ChompFunc, "format": stdlib.FormatFunc, "formatlist": stdlib.FormatListFunc,
		"indent": stdlib.IndentFunc, "join": stdlib.JoinFunc, "lower": stdlib.LowerFunc,
		"upper": stdlib.UpperFunc, "replace": stdlib.ReplaceFunc, "split": stdlib.SplitFunc,
		"strrev": stdlib.ReverseFunc, "substr": stdlib.SubstrFunc, "title": stdlib.TitleFunc,
		"trim": stdlib.TrimFunc, "trimprefix": stdlib.TrimPrefixFunc, "trimsuffix": stdlib.TrimSuffixFunc,
		"trimspace": stdlib.TrimSpaceFunc, "regex": stdlib.RegexFunc, "regexall": stdlib.RegexAllFunc,
		"regex_replace": stdlib.RegexReplaceFunc,

		"chunklist": stdlib.ChunklistFunc, "coalesce": stdlib.CoalesceFunc,
		"coalescelist": stdlib.CoalesceListFunc, "compact": stdlib.CompactFunc,
		"concat": stdlib.ConcatFunc, "contains": stdlib.ContainsFunc, "distinct": stdlib.DistinctFunc,
		"element": stdlib.ElementFunc, "flatten": stdlib.FlattenFunc, "index": stdlib.IndexFunc,
		"keys": stdlib.KeysFunc, "length": stdlib.LengthFunc, "lookup": lookupFunc,
		"merge": stdlib.MergeFunc, "range": stdlib.RangeFunc, "reverse": stdlib.ReverseListFunc,
		"setintersection": stdlib.SetIntersectionFunc, "setproduct": stdlib.SetProductFunc,
		"setsubtract": stdlib.SetSubtractFunc, "setunion": stdlib.SetUnionFunc,
		"slice": stdlib.SliceFunc, "sort": stdlib.SortFunc, "values": stdlib.ValuesFunc,
		"zipmap": stdlib.ZipmapFunc,

		"jsonencode": stdlib.JSONEncodeFunc, "jsondecode": stdlib.JSONDecodeFunc,
		"csvdecode": stdlib.CSVDecodeFunc,

		"tobool": stdlib.MakeToFunc(cty.Bool), "tonumber": stdlib.MakeToFunc(cty.Number),
		"tostring": stdlib.MakeToFunc(cty.String), "tolist": stdlib.MakeToFunc(cty.List(cty.DynamicPseudoType)),
		"toset": stdlib.MakeToFunc(cty.Set(cty.DynamicPseudoType)), "tomap": stdlib.MakeToFunc(cty.Map(cty.DynamicPseudoType)),

		"try": tryfunc.TryFunc, "can": tryfunc.CanFunc,

		"cidrhost": cidrHostFunc, "cidrnetmask": cidrNetmaskFunc,
		"cidrsubnet": cidrSubnetFunc, "cidrsubnets": cidrSubnetsFunc,
	}
})

// lookupFunc is Terraform's lookup: the default may be left out.
var lookupFunc = function.New(&function.Spec{
	Params: []function.Parameter{
		{Name: "map", Type: cty.DynamicPseudoType},
		{Name: "key", Type: cty.String},
	},
	VarParam: &function.Parameter{Name: "default", Type: cty.DynamicPseudoType},
	Type: func(args []cty.Value) (cty.Type, error) {
		if len(args) > 3 {
			return cty.NilType, errors.New("lookup takes at most three arguments")
		}
		return cty.DynamicPseudoType, nil
	},
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		if len(args) == 3 {
			return stdlib.LookupFunc.Call(args)
		}
		m, key := args[0], args[1]
		ty := m.Type()
		if !ty.IsMapType() && !ty.IsObjectType() {
			return cty.NilVal, errors.New("lookup needs a map or an object")
		}
		if !m.IsWhollyKnown() || m.IsNull() {
			return cty.DynamicVal, nil
		}
		if ty.IsObjectType() && ty.HasAttribute(key.AsString()) {
			return m.GetAttr(key.AsString()), nil
		}
		if ty.IsMapType() && m.HasIndex(key).True() {
			return m.Index(key), nil
		}
		return cty.NilVal, fmt.Errorf("no key %q in the map, and no default given", key.AsString())
	},
})

var cidrHostFunc = function.New(&function.Spec{
	Params: []function.Parameter{{Name: "prefix", Type: cty.String}, {Name: "hostnum", Type: cty.Number}},
	Type:   function.StaticReturnType(cty.String),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		p, err := parseCIDR(args[0].AsString())
		if err != nil {
			return cty.UnknownVal(cty.String), err
		}
		n, err := bigInt(args[1])
		if err != nil {
			return cty.UnknownVal(cty.String), err
		}
		host := p.Addr().BitLen() - p.Bits()
		size := new(big.Int).Lsh(big.NewInt(1), uint(host))
		if n.Sign() < 0 {
			n.Add(n, size)
		}
		if n.Sign() < 0 || n.Cmp(size) >= 0 {
			return cty.UnknownVal(cty.String), fmt.Errorf("prefix of %d bits has no host %s", p.Bits(), args[1].AsBigFloat().String())
		}
		return cty.StringVal(addInt(p.Masked().Addr(), n).String()), nil
	},
})

var cidrNetmaskFunc = function.New(&function.Spec{
	Params: []function.Parameter{{Name: "prefix", Type: cty.String}},
	Type:   function.StaticReturnType(cty.String),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		p, err := parseCIDR(args[0].AsString())
		if err != nil {
			return cty.UnknownVal(cty.String), err
		}
		if !p.Addr().Is4() {
			return cty.UnknownVal(cty.String), errors.New("only IPv4 prefixes have a netmask")
		}
		var m [4]byte
		for i := 0; i < p.Bits(); i++ {
			m[i/8] |= 0x80 >> (i % 8)
		}
		return cty.StringVal(netip.AddrFrom4(m).String()), nil
	},
})

var cidrSubnetFunc = function.New(&function.Spec{
	Params: []function.Parameter{
		{Name: "prefix", Type: cty.String}, {Name: "newbits", Type: cty.Number}, {Name: "netnum", Type: cty.Number},
	},
	Type: function.StaticReturnType(cty.String),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		p, err := parseCIDR(args[0].AsString())
		if err != nil {
			return cty.UnknownVal(cty.String), err
		}
		var newbits int
		if err := gocty.FromCtyValue(args[1], &newbits); err != nil {
			return cty.UnknownVal(cty.String), fmt.Errorf("newbits: %v", err)
		}
		n, err := bigInt(args[2])
		if err != nil {
			return cty.UnknownVal(cty.String), err
		}
		s, err := subnet(p, newbits, n)
		if err != nil {
			return cty.UnknownVal(cty.String), err
		}
		return cty.StringVal(s.String()), nil
	},
})

var cidrSubnetsFunc = function.New(&function.Spec{
	Params:   []function.Parameter{{Name: "prefix", Type: cty.String}},
	VarParam: &function.Parameter{Name: "newbits", Type: cty.Number},
	Type:     function.StaticReturnType(cty.List(cty.String)),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		p, err := parseCIDR(args[0].AsString())
		if err != nil {
			return cty.UnknownVal(cty.List(cty.String)), err
		}
		if len(args) == 1 {
			return cty.ListValEmpty(cty.String), nil
		}
		// Each block starts at the first address after the previous one,
		// aligned to its own size, as Terraform's cidrsubnets does.
		base := p.Masked()
		next := new(big.Int)
		out := make([]cty.Value, 0, len(args)-1)
		for i, a := range args[1:] {
			var nb int
			if err := gocty.FromCtyValue(a, &nb); err != nil {
				return cty.UnknownVal(cty.List(cty.String)), fmt.Errorf("newbits %d: %v", i+1, err)
			}
			if nb < 1 || p.Bits()+nb > p.Addr().BitLen() {
				return cty.UnknownVal(cty.List(cty.String)), fmt.Errorf("newbits %d: %d does not fit the prefix", i+1, nb)
			}
			hostBits := uint(p.Addr().BitLen() - p.Bits() - nb)
			size := new(big.Int).Lsh(big.NewInt(1), hostBits)
			// Round next up to a multiple of size.
			q, r := new(big.Int).QuoRem(next, size, new(big.Int))
			if r.Sign() != 0 {
				q.Add(q, big.NewInt(1))
			}
			s, err := subnet(base, nb, q)
			if err != nil {
				return cty.UnknownVal(cty.List(cty.String)), fmt.Errorf("newbits %d: not enough room left in %s", i+1, p)
			}
			out = append(out, cty.StringVal(s.String()))
			next = new(big.Int).Add(new(big.Int).Mul(q, size), size)
		}
		return cty.ListVal(out), nil
	},
})

func parseCIDR(s string) (netip.Prefix, error) {
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("%q is not a CIDR block", s)
	}
	return p, nil
}

func bigInt(v cty.Value) (*big.Int, error) {
	f := v.AsBigFloat()
	if !f.IsInt() {
		return nil, fmt.Errorf("%s is not a whole number", f.String())
	}
	n, _ := f.Int(nil)
	return n, nil
}

// subnet returns the netnum-th block of newbits more bits inside p.
func subnet(p netip.Prefix, newbits int, netnum *big.Int) (netip.Prefix, error) {
	bits := p.Bits() + newbits
	if newbits < 0 || bits > p.Addr().BitLen() {
		return netip.Prefix{}, fmt.Errorf("cannot extend a /%d prefix by %d bits", p.Bits(), newbits)
	}
	if netnum.Sign() < 0 || netnum.Cmp(new(big.Int).Lsh(big.NewInt(1), uint(newbits))) >= 0 {
		return netip.Prefix{}, fmt.Errorf("prefix extension of %d bits has no network number %s", newbits, netnum)
	}
	off := new(big.Int).Lsh(netnum, uint(p.Addr().BitLen()-bits))
	return netip.PrefixFrom(addInt(p.Masked().Addr(), off), bits), nil
}

// addInt returns a + n, n not negative and small enough to stay in a's
// family.
func addInt(a netip.Addr, n *big.Int) netip.Addr {
	b := a.AsSlice()
	x := new(big.Int).SetBytes(b)
	x.Add(x, n)
	out := x.FillBytes(make([]byte, len(b)))
	r, _ := netip.AddrFromSlice(out)
	return r
}
