import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { AuditModule } from '../audit/audit.module';
import { Project, ProjectSchema } from './project.schema';
import { ProjectsRepository } from './projects.repository';
import { ProjectsService } from './projects.service';

/** Projects and their limits, asked by API keys, the send policy, the rate limits and the worker (producer commands). */
@Module({
  imports: [MongooseModule.forFeature([{ name: Project.name, schema: ProjectSchema }]), AuditModule],
  providers: [ProjectsRepository, ProjectsService],
  exports: [ProjectsService],
})
export class ProjectsModule {}
