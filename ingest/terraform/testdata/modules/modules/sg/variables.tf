variable "name" {
  type = string
}

variable "ports" {
  type    = list(number)
  default = [443]
}

variable "cidr_blocks" {
  type    = list(string)
  default = []
}

variable "source_groups" {
  type    = list(string)
  default = []
}
