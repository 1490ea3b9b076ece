package ingest

import (
	"bytes"
	"encoding/json"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/pfsim/pfsim/ingest/awsjson"
	"github.com/pfsim/pfsim/ingest/terraform"
)

// Kind is the kind of a file pfsim reads a VPC from.
type Kind uint8

// The kinds of file, as [Detect] tells them apart.
const (
	// Unknown is a file Detect cannot place.
	Unknown Kind = iota
	// Scenario is pfsim's own scenario file (YAML, or JSON).
	Scenario
	// AWSJSON is the JSON of the AWS CLI's describe commands (package
	// ingest/awsjson).
	AWSJSON
	// TerraformHCL is a Terraform configuration: .tf files, or .tf.json.
	TerraformHCL
	// TerraformPlan is the JSON of `terraform show -json` of a plan.
	TerraformPlan
)

// String returns the kind's name for messages: "scenario", "AWS JSON",
// "Terraform configuration", "Terraform plan JSON", "unknown".
func (k Kind) String() string {
	switch k {
	case Scenario:
		return "scenario"
	case AWSJSON:
		return "AWS JSON"
	case TerraformHCL:
		return "Terraform configuration"
	case TerraformPlan:
		return "Terraform plan JSON"
	}
	return "unknown"
}

// The members at the top of each kind of JSON document.
var (
	scenarioKeys  = []string{"name", "description", "prefix_lists", "security_groups", "network_acls", "subnets", "interfaces", "steps"}
	planKeys      = []string{"planned_values", "resource_changes", "prior_state", "terraform_version"}
	terraformKeys = []string{"resource", "data", "variable", "locals", "provider", "terraform", "module", "output"}
)

// hclBlock matches the start of a top-level block of a Terraform file.
var hclBlock = regexp.MustCompile(`(?m)^[ \t]*(resource|data|variable|provider|module|locals|terraform|output)[ \t]*("|\{)`)

// Detect tells what kind of file data is, by its content first and by
// its name only when the content does not say: a JSON object is AWS JSON
// when it has a member of the describe outputs at the top (SecurityGroups,
// NetworkAcls, ...), a Terraform plan when it has planned_values,
// resource_changes or terraform_version, a Terraform configuration in
// JSON syntax when it has resource, variable, provider, ... and a scenario
// when it has name, security_groups, steps, ...; other text is a Terraform
// configuration when a line starts a block (resource "...", variable
// "...", terraform {), and a scenario when it is a YAML mapping with the
// scenario's fields. A file whose content says nothing (empty, or broken
// before its first field) goes by its name: .tf and .tf.json are
// Terraform, .yaml and .yml scenarios, .json AWS JSON.
func Detect(name string, data []byte) Kind {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	text := bytes.TrimSpace(data)
	if bytes.HasPrefix(text, []byte("{")) {
		if awsjson.Is(data) {
			return AWSJSON
		}
		keys := jsonKeys(text)
		switch {
		case terraform.IsPlan(data) || hasAny(keys, planKeys):
			return TerraformPlan
		case hasAny(keys, terraformKeys) && !hasAny(keys, scenarioKeys):
			return TerraformHCL
		case hasAny(keys, scenarioKeys):
			return Scenario
		}
	} else {
		if terraform.IsHCL(data) || hclBlock.Match(data) {
			return TerraformHCL
		}
		if hasAny(yamlKeys(data), scenarioKeys) {
			return Scenario
		}
	}
	lower := strings.ToLower(name)
	switch {
	case strings.HasSuffix(lower, ".tf"), strings.HasSuffix(lower, ".tf.json"), strings.HasSuffix(lower, ".tfvars"):
		return TerraformHCL
	case strings.HasSuffix(lower, ".yaml"), strings.HasSuffix(lower, ".yml"):
		return Scenario
	case strings.HasSuffix(lower, ".json"):
		return AWSJSON
	}
	return Unknown
}

func hasAny(keys, want []string) bool {
	return slices.ContainsFunc(keys, func(k string) bool { return slices.Contains(want, k) })
}

// jsonKeys returns the names of the members at the top of a JSON object,
// as far as the document reads.
func jsonKeys(data []byte) []string {
	dec := json.NewDecoder(bytes.NewReader(data))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil
	}
	var keys []string
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return keys
		}
		k, _ := t.(string)
		keys = append(keys, k)
		var skip json.RawMessage
		if dec.Decode(&skip) != nil {
			return keys
		}
	}
	return keys
}

// yamlKeys returns the keys of a YAML document's top mapping, if it is one.
func yamlKeys(data []byte) (keys []string) {
	defer func() {
		if recover() != nil { // the YAML library must not crash detection
			keys = nil
		}
	}()
	var doc yaml.Node
	if yaml.Unmarshal(data, &doc) != nil || len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil
	}
	m := doc.Content[0]
	for i := 0; i+1 < len(m.Content); i += 2 {
		keys = append(keys, m.Content[i].Value)
	}
	return keys
}
