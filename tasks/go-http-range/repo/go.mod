module example.com/httprange

go 1.19
