package main
type Server struct{}
func (s *Server) Serve() error { return nil }
func NewServer() *Server { return &Server{} }
