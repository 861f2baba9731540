path = "test.tfstate"
