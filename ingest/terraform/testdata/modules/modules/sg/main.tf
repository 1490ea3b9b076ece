# One security group: TCP in on each port from the CIDRs and groups given,
# everything out.

resource "aws_security_group" "this" {
  name = var.name

  dynamic "ingress" {
    for_each = var.ports
    content {
      protocol        = "tcp"
      from_port       = ingress.value
      to_port         = ingress.value
      cidr_blocks     = var.cidr_blocks
      security_groups = var.source_groups
    }
  }

  egress {
    protocol    = "-1"
    from_port   = 0
    to_port     = 0
    cidr_blocks = ["0.0.0.0/0"]
  }
}

output "security_group_id" {
  value = aws_security_group.this.id
}
