package terraform

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pfsim/pfsim/ingest/source"
)

// An argument spelt like one pfsim reads in the same block is pointed out;
// arguments far from every one it reads are not.
func TestMisspeltArguments(t *testing.T) {
	const tf = `resource "aws_security_group" "web" {
  name = "web"
  ingress {
    from_port   = 80
    to_port     = 80
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
    ipv6_cidr_block = ["::/0"]
  }
  revoke_rules_on_delete = true
}

resource "aws_subnet" "a" {
  vpc_id     = "vpc-1"
  cidr_blok  = "10.0.1.0/24"
  cidr_block = "10.0.1.0/24"
  map_public_ip_on_launch = true
}

resource "aws_instance" "web" {
  ami                    = "ami-1"
  instance_type          = "t3.micro"
  subnet_id              = aws_subnet.a.id
  private_ip             = "10.0.1.10"
  vpc_security_group_ids = [aws_security_group.web.id]
}
`
	_, ws, err := LoadHCL([]source.File{{Name: "main.tf", Data: []byte(tf)}})
	require.NoError(t, err)
	var got []string
	for _, w := range ws {
		if w.Hint == "" && len(w.Msg) > 25 && w.Msg[:25] == "unknown argument: did you" {
			got = append(got, w.String())
		}
	}
	assert.Equal(t, []string{
		"main.tf:8:23: aws_security_group.web ingress[0].ipv6_cidr_block: unknown argument: did you mean ipv6_cidr_blocks? (pfsim ignores it)",
		"main.tf:15:16: aws_subnet.a cidr_blok: unknown argument: did you mean cidr_block? (pfsim ignores it)",
	}, got)

	// tags_all is far from every argument pfsim reads: no warning.
	_, ws, err = LoadHCL([]source.File{{Name: "main.tf", Data: []byte(`resource "aws_subnet" "a" {
  vpc_id     = "vpc-1"
  cidr_block = "10.0.1.0/24"
  tags_all   = {}
}
`)}})
	require.NoError(t, err)
	for _, w := range ws {
		assert.NotContains(t, w.Msg, "did you mean", w.String())
	}
}
