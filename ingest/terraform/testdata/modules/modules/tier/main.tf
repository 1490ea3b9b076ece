# A tier: a subnet, a host in it, and its group, made by the sg module,
# open on 8080 to the group given.

variable "name" {
  type = string
}

variable "vpc_id" {
  type = string
}

variable "cidr_block" {
  type = string
}

variable "allow_from" {
  type = string
}

resource "aws_subnet" "this" {
  vpc_id     = var.vpc_id
  cidr_block = var.cidr_block
}

module "sg" {
  source        = "../sg"
  name          = "${var.name}-tier"
  ports         = [8080]
  source_groups = [var.allow_from]
}

resource "aws_network_interface" "this" {
  subnet_id       = aws_subnet.this.id
  private_ips     = [cidrhost(var.cidr_block, 10)]
  security_groups = [module.sg.security_group_id]
}

output "subnet_id" {
  value = aws_subnet.this.id
}
